#ifndef KVO_CLIBFUZZER_H
#define KVO_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (in the runtime that `-sanitize=fuzzer` links): parses the command line and
// runs the fuzzing loop with `callback` for each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
