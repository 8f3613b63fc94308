/* Calls of the POSIX container that are not standard (docs/posix.md,
 * "The C library"). */
#ifndef TESSERA_POSIX_H
#define TESSERA_POSIX_H
#include <stdint.h>

/* A counter of the memory server (POSIX_STAT_* of posix/proto.h) */
uint32_t posix_stat(uint32_t which);
/* A counter of the file server (POSIX_FSS_*) */
int posix_fs_stat(uint32_t which);
int pipe2(int fds[2], int flags);
/* clone(2) in the caller's space (CLONE_VM required; newlib has no
 * <sched.h> clone): CLONE_THREAD joins the caller's group, else a process
 * of its own sharing the memory; docs/posix.md, "clone". */
#define CLONE_VM      0x00000100
#define CLONE_FS      0x00000200
#define CLONE_FILES   0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PARENT  0x00008000
#define CLONE_THREAD  0x00010000
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
#endif
