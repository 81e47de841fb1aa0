// glibc's process tuning, which Swift's Glibc module does not include or cannot call (prctl is
// variadic): malloc tuning (mallopt) and the dumpable flag.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
#if __has_include(<sys/prctl.h>)
#include <sys/prctl.h>
static inline int kvo_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0UL, 0UL, 0UL);
}
static inline int kvo_get_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
}
#endif
