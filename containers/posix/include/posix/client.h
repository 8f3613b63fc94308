/*
 * The POSIX client library of processes (containers/posix/server/
 * client.c): each call is an ipc call to the memory server (the caller's
 * pager), protocol posix/proto.h. Calls that fail return -1 (MAP_FAILED
 * for mmap, (void *)-1 for sbrk) and leave the error in posix_errno.
 */
#ifndef POSIX_CLIENT_H
#define POSIX_CLIENT_H

#include <stdint.h>
#include <posix/proto.h>

extern int posix_errno;

int fork(void);
void _exit(int code) __attribute__((noreturn));
int waitpid(int pid, int *status, int options);
int getpid(void);
int getppid(void);
int brk(void *addr);
void *sbrk(long incr);
#define MAP_FAILED ((void *)-1)
void *mmap(void *addr, uint32_t len, int prot, int flags, int fd, uint32_t off);
int munmap(void *addr, uint32_t len);

/* A thread of the calling process running fn(arg) on stack [sp - ..);
 * its tid or -1. posix_thread_exit ends the calling thread (the last one
 * ends the process). */
int posix_thread_create(int (*fn)(void *), void *arg, void *stack_top);
void posix_thread_exit(int code) __attribute__((noreturn));
/* What the server holds now (POSIX_STAT_*), for tests. */
uint32_t posix_stat(uint32_t which);

#endif
