// glibc's spawn extensions, which Swift's Glibc module does not declare (they need _GNU_SOURCE):
// a child that inherits no descriptor but those it is given, and pipes created close-on-exec.
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
int pipe2(int descriptors[2], int flags);

static inline int kvo_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

static inline int kvo_pipe_cloexec(int descriptors[2]) { return pipe2(descriptors, O_CLOEXEC); }
