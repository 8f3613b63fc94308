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
#endif
