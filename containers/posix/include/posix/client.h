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
int msync(void *addr, uint32_t len, int flags);
int mprotect(void *addr, uint32_t len, int prot);
/* System V shm (POSIX_IPC_*, POSIX_SHM_* flags of posix/proto.h);
 * shmat returns (void *)-1 on error. */
int shmget(int key, uint32_t size, int flags);
void *shmat(int id, const void *addr, int flags);
int shmdt(const void *addr);
int shmctl(int id, int cmd, void *buf);
/* Runs the ELF at path (from the file system) in the calling process:
 * returns only on error (E2BIG when path and the strings do not fit the
 * ipc buffer's page). docs/posix.md, "exec". */
int execve(const char *path, char *const argv[], char *const envp[]);

/* Files (the file server; flags and modes are posix/fs's, newlib's). */
#define O_RDONLY    0x0
#define O_WRONLY    0x1
#define O_RDWR	    0x2
#define O_APPEND    0x0008
#define O_CREAT	    0x0200
#define O_TRUNC	    0x0400
#define O_EXCL	    0x0800
#define O_NONBLOCK  0x4000
#define O_CLOEXEC   0x40000
#define O_DIRECTORY 0x200000
#define SEEK_SET    0
#define SEEK_CUR    1
#define SEEK_END    2
#define S_IFMT	    0170000u
#define S_IFDIR	    0040000u
#define S_IFREG	    0100000u
#define S_IFIFO	    0010000u

int open(const char *path, int flags, unsigned mode);
long read(int fd, void *buf, uint32_t n);
long write(int fd, const void *buf, uint32_t n);
long lseek(int fd, long off, int whence);
int close(int fd);
int dup(int fd);
int dup2(int fd, int newfd);
int pipe(int fds[2]);
/* flags: O_NONBLOCK, O_CLOEXEC */
int pipe2(int fds[2], int flags);
int stat(const char *path, struct posix_stat *st);
int fstat(int fd, struct posix_stat *st);
int unlink(const char *path);
int rename(const char *from, const char *to);
int mkdir(const char *path, unsigned mode);
int rmdir(const char *path);
char *getcwd(char *buf, uint32_t size);
int chdir(const char *path);
/* A directory stream is a descriptor; readdir: 1 and *d, 0 at the end. */
int opendir(const char *path);
int readdir(int fd, struct posix_dirent *d);
/* What the file server holds (POSIX_FSS_*), for tests. */
int posix_fs_stat(uint32_t which);

/* A thread of the calling process running fn(arg) on stack [sp - ..);
 * its tid or -1. posix_thread_exit ends the calling thread (the last one
 * ends the process). */
int posix_thread_create(int (*fn)(void *), void *arg, void *stack_top);
void posix_thread_exit(int code) __attribute__((noreturn));
/* clone(2) with POSIX_CLONE_* flags (posix/proto.h), always in the
 * caller's space: fn(arg) on stack [.. stack_top); its return ends the
 * thread. The new thread's tid or -1. */
int posix_clone(int (*fn)(void *), void *stack_top, unsigned flags,
		void *arg);
/* What the server holds now (POSIX_STAT_*), for tests. */
uint32_t posix_stat(uint32_t which);

#endif
