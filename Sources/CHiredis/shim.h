#ifndef KVO_CHIREDIS_SHIM_H
#define KVO_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/eventfd.h>
#include <sys/time.h>

// Commands are written pre-formatted (redisAppendFormattedCommand): no variadic calls from Swift.

/// Reads the next reply of a pipelined command; returns NULL on an I/O or protocol error.
static inline redisReply *kvo_redis_get_reply(redisContext *c) {
    void *reply = NULL;
    if (redisGetReply(c, &reply) != REDIS_OK) return NULL;
    return (redisReply *)reply;
}

static inline redisContext *kvo_redis_connect(const char *host, int port, long timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisConnectWithTimeout(host, port, tv);
}

static inline int kvo_redis_set_timeout(redisContext *c, long timeout_ms) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    return redisSetTimeout(c, tv);
}
/// A non-blocking eventfd that wakes a thread waiting in poll.
static inline int kvo_wake_descriptor(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}
#endif
