/*
 * The system-call layer of the POSIX C library (docs/posix.md, "The C
 * library"): newlib's stubs (_read, _write, ... the names its reentrant
 * wrappers call) and the POSIX calls newlib does not wrap, each a call
 * to the memory server (its pager) or the file server with the protocol
 * of posix/proto.h. A negative answer is -errno with Linux's numbers;
 * errno gets newlib's number for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <dirent.h>
#include <tessera/sys.h>
#include <posix/proto.h>
#include <posix/request.h>
#include "tessera_posix.h"

#undef errno
extern int errno;
extern char **environ;

/* Linux's numbers that newlib numbers otherwise */
int _getpid(void);

static int newlib_errno(int e)
{
	switch (e) {
	case 36: return ENAMETOOLONG;
	case 38: return ENOSYS;
	case 39: return ENOTEMPTY;
	case 40: return ELOOP;
	}
	return e;
}

/* The global errno is what newlib's _r wrappers (open, read, ...) copy
 * into the caller's; the calls newlib does not wrap (chdir, mkdir, pipe,
 * dup2, mmap, ...) set the caller's here: both, always. */
static void set_errno(int e)
{
	errno = e;
	*__errno() = e;
}

static int result(int r)
{
	if (r < 0) {
		set_errno(newlib_errno(-r));
		return -1;
	}
	return r;
}

/* A memory server request; an ipc failure is EIO (never a server's
 * answer). */
static int call(uint32_t label, uint32_t a0, uint32_t a1, uint32_t a2,
		uint32_t a3, uint32_t *r1)
{
	struct ipc_msg m;
	if (posix_request_memory(label, a0, a1, a2, a3, &m))
		return -EIO;
	if (r1)
		*r1 = m.mr[1];
	return (int)m.mr[0];
}

static uint32_t fs_server;

/* A file server request (posix/request.h); r: MR1, MR2. */
static int fcall(uint32_t label, const void *ext, uint32_t len, uint32_t a0,
		 uint32_t a1, uint32_t a2, uint32_t *r)
{
	struct ipc_msg m;
	if (!fs_server)
		fs_server = (uint32_t)call(POSIX_FS_TID, 0, 0, 0, 0, 0);
	if (len > POSIX_IO_SIZE)
		return -EINVAL;
	if (posix_request_files(fs_server, label, ext, len, a0, a1, a2, &m))
		return -EIO;
	if (r) {
		r[0] = m.mr[1];
		r[1] = m.mr[2];
	}
	return (int)m.mr[0];
}

static int pcall(uint32_t label, const char *path, uint32_t a0, uint32_t a1)
{
	size_t n = strlen(path) + 1;
	if (n > 4096)
		return -36; /* Linux's ENAMETOOLONG */
	return fcall(label, path, (uint32_t)n, a0, a1, 0, 0);
}

/* ---- newlib's stubs */

int _read(int fd, char *buf, int n)
{
	int done = 0;
	while (done < n) {
		uint32_t k = (uint32_t)(n - done) > 4096 ? 4096
							 : (uint32_t)(n - done);
		int r = fcall(POSIX_READ, 0, 0, (uint32_t)fd, k, 0, 0);
		if (r < 0)
			return done ? done : result(r);
		memcpy(buf + done, posix_io_buf(), (uint32_t)r);
		done += r;
		if ((uint32_t)r < k)
			break;
	}
	return done;
}

/* descriptors 1 and 2 that the file server does not know are the
 * console (a process starts without any; dup2 over them redirects) */
int _write(int fd, const char *buf, int n)
{
	int done = 0;
	while (done < n) {
		uint32_t k = (uint32_t)(n - done) > 4096 ? 4096
							 : (uint32_t)(n - done);
		int r = fcall(POSIX_WRITE, buf + done, k, (uint32_t)fd, 0, 0,
			      0);
		if (r == -EBADF && (fd == 1 || fd == 2) && !done) {
			sys_console_write(buf, (size_t)n);
			return n;
		}
		if (r < 0)
			return done ? done : result(r);
		done += r;
		if ((uint32_t)r < k)
			break;
	}
	return done;
}

int _open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	unsigned mode = va_arg(ap, unsigned);
	va_end(ap);
	return result(pcall(POSIX_OPEN, path, (uint32_t)flags, mode));
}

int _close(int fd)
{
	return result(fcall(POSIX_CLOSE, 0, 0, (uint32_t)fd, 0, 0, 0));
}

off_t _lseek(int fd, off_t off, int whence)
{
	return result(fcall(POSIX_LSEEK, 0, 0, (uint32_t)fd, (uint32_t)off,
			    (uint32_t)whence, 0));
}

static void to_stat(struct stat *st)
{
	struct posix_stat ps;
	memcpy(&ps, posix_io_buf(), sizeof(ps));
	memset(st, 0, sizeof(*st));
	st->st_ino = ps.ino;
	st->st_mode = ps.mode;
	st->st_nlink = ps.nlink;
	st->st_size = ps.size;
	st->st_blksize = 4096;
}

int _fstat(int fd, struct stat *st)
{
	int r = fcall(POSIX_FSTAT, 0, 0, (uint32_t)fd, 0, 0, 0);
	if (r == -EBADF && fd >= 0 && fd <= 2) { /* the console */
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFCHR | 0620;
		return 0;
	}
	if (r < 0)
		return result(r);
	to_stat(st);
	return 0;
}

int _stat(const char *path, struct stat *st)
{
	int r = pcall(POSIX_STATP, path, 0, 0);
	if (r < 0)
		return result(r);
	to_stat(st);
	return 0;
}

int _isatty(int fd)
{
	struct stat st;
	if (_fstat(fd, &st))
		return 0;
	if (S_ISCHR(st.st_mode))
		return 1;
	set_errno(ENOTTY);
	return 0;
}

void *_sbrk(ptrdiff_t incr)
{
	uint32_t cur = (uint32_t)call(POSIX_BRK, 0, 0, 0, 0, 0);
	if (incr == 0)
		return (void *)(uintptr_t)cur;
	uint32_t want = cur + (uint32_t)incr;
	if ((uint32_t)call(POSIX_BRK, want, 0, 0, 0, 0) != want) {
		set_errno(ENOMEM);
		return (void *)-1;
	}
	return (void *)(uintptr_t)cur;
}

void _exit(int code)
{
	call(POSIX_EXIT, (uint32_t)code, 0, 0, 0, 0);
	for (;;)
		; /* not reached: the server ends the process */
}

/* No signals yet: a signal to oneself (abort, raise) ends the process
 * with exit code 128 + sig; to another process it is ENOSYS. */
int _kill(int pid, int sig)
{
	if (pid == _getpid() || pid == 0)
		_exit(128 + (sig & 0x7f));
	set_errno(ENOSYS);
	return -1;
}

int _getpid(void)
{
	return call(POSIX_GETPID, 0, 0, 0, 0, 0);
}

pid_t getppid(void)
{
	return call(POSIX_GETPPID, 0, 0, 0, 0, 0);
}

int _fork(void)
{
	return result(call(POSIX_FORK, 0, 0, 0, 0, 0));
}

pid_t fork(void)
{
	return _fork();
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	uint32_t st = 0;
	int r = call(POSIX_WAITPID, (uint32_t)pid, (uint32_t)options, 0, 0,
		     &st);
	if (r > 0 && status)
		*status = (int)st;
	return result(r);
}

int _wait(int *status)
{
	return waitpid(-1, status, 0);
}

pid_t wait(int *status)
{
	return waitpid(-1, status, 0);
}

/* The request goes in the ipc buffer: "path\0", argv's strings, envp's;
 * more than the page holds is E2BIG here, more strings than the server
 * takes is its E2BIG. Returns only on error. */
int _execve(const char *path, char *const argv[], char *const envp[])
{
	char *buf = posix_io_buf();
	uint32_t len = 0, argc = 0, envc = 0;
	size_t n = strlen(path) + 1;
	if (n > 4096) {
		set_errno(ENAMETOOLONG);
		return -1;
	}
	memcpy(buf, path, n);
	len = (uint32_t)n;
	for (int pass = 0; pass < 2; pass++) {
		char *const *v = pass ? envp : argv;
		for (; v && *v; v++) {
			n = strlen(*v) + 1;
			if (n > 4096 - len) {
				set_errno(E2BIG);
				return -1;
			}
			memcpy(buf + len, *v, n);
			len += (uint32_t)n;
			if (pass)
				envc++;
			else
				argc++;
		}
	}
	return result(call(POSIX_EXEC, argc, envc, len, 0, 0));
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return _execve(path, argv, envp);
}

int execv(const char *path, char *const argv[])
{
	return _execve(path, argv, environ);
}

int _unlink(const char *path)
{
	return result(pcall(POSIX_UNLINK, path, 0, 0));
}

/* No hard links in the file server. */
int _link(const char *old, const char *new)
{
	(void)old;
	(void)new;
	set_errno(EMLINK);
	return -1;
}

int rename(const char *from, const char *to)
{
	size_t a = strlen(from) + 1, b = strlen(to) + 1;
	if (a + b > 4096)
		return result(-36);
	char *buf = posix_io_buf();
	memmove(buf, from, a);
	memmove(buf + a, to, b);
	return result(fcall(POSIX_RENAME, buf, (uint32_t)(a + b), 0, 0, 0, 0));
}

int _rename(const char *from, const char *to)
{
	return rename(from, to);
}

int _gettimeofday(struct timeval *tv, void *tz)
{
	(void)tz;
	uint64_t us = sys_time_us();
	if (tv) {
		tv->tv_sec = (time_t)(us / 1000000u);
		tv->tv_usec = (suseconds_t)(us % 1000000u);
	}
	return 0;
}

/* CLOCKS_PER_SEC (newlib: 1000) since the system started */
clock_t _times(struct tms *t)
{
	clock_t c = (clock_t)(sys_time_us() / 1000u);
	if (t) {
		t->tms_utime = c;
		t->tms_stime = 0;
		t->tms_cutime = 0;
		t->tms_cstime = 0;
	}
	return c;
}

/* ---- POSIX calls newlib does not wrap */

int pipe2(int fds[2], int flags)
{
	uint32_t r[2];
	int e = fcall(POSIX_PIPE, 0, 0, (uint32_t)flags, 0, 0, r);
	if (e < 0)
		return result(e);
	fds[0] = (int)r[0];
	fds[1] = (int)r[1];
	return 0;
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

int dup(int fd)
{
	return result(fcall(POSIX_DUP, 0, 0, (uint32_t)fd, 0, 0, 0));
}

int dup2(int fd, int to)
{
	return result(
	    fcall(POSIX_DUP2, 0, 0, (uint32_t)fd, (uint32_t)to, 0, 0));
}

int mkdir(const char *path, mode_t mode)
{
	return result(pcall(POSIX_MKDIR, path, mode, 0));
}

int rmdir(const char *path)
{
	return result(pcall(POSIX_RMDIR, path, 0, 0));
}

int chdir(const char *path)
{
	return result(pcall(POSIX_CHDIR, path, 0, 0));
}

char *getcwd(char *buf, size_t size)
{
	int r = fcall(POSIX_GETCWD, 0, 0, (uint32_t)size, 0, 0, 0);
	if (r < 0) {
		result(r);
		return 0;
	}
	memcpy(buf, posix_io_buf(), (uint32_t)r + 1);
	return buf;
}

DIR *opendir(const char *path)
{
	DIR *d = malloc(sizeof(*d));
	if (!d) {
		set_errno(ENOMEM);
		return 0;
	}
	d->fd = pcall(POSIX_OPENDIR, path, 0, 0);
	if (d->fd < 0) {
		result(d->fd);
		free(d);
		return 0;
	}
	return d;
}

struct dirent *readdir(DIR *d)
{
	int r = fcall(POSIX_READDIR, 0, 0, (uint32_t)d->fd, 0, 0, 0);
	if (r <= 0) {
		if (r < 0)
			result(r);
		return 0;
	}
	struct posix_dirent pd;
	memcpy(&pd, posix_io_buf(), sizeof(pd));
	d->ent.d_ino = pd.ino;
	d->ent.d_mode = pd.mode;
	memcpy(d->ent.d_name, pd.name, sizeof(d->ent.d_name));
	d->ent.d_name[sizeof(d->ent.d_name) - 1] = 0;
	return &d->ent;
}

int closedir(DIR *d)
{
	int r = _close(d->fd);
	free(d);
	return r;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int r;
	if (!(flags & MAP_ANONYMOUS)) {
		/* a file: prot, flags and fd packed (posix/proto.h) */
		if (fd < 0 || fd > 0xffff || (flags & ~0xfff) || (prot & ~0xf) ||
		    off < 0) {
			set_errno(fd < 0 ? EBADF : EINVAL);
			return MAP_FAILED;
		}
		r = call(POSIX_MMAP_FILE, (uint32_t)(uintptr_t)addr,
			 (uint32_t)len,
			 (uint32_t)prot | (uint32_t)flags << 4 | (uint32_t)fd << 16,
			 (uint32_t)off, 0);
	} else {
		r = call(POSIX_MMAP, (uint32_t)(uintptr_t)addr, (uint32_t)len,
			 (uint32_t)prot, (uint32_t)flags, 0);
	}
	if (r < 0 && r > -4096) {
		result(r);
		return MAP_FAILED;
	}
	return (void *)(uintptr_t)(uint32_t)r;
}

int msync(void *addr, size_t len, int flags)
{
	(void)flags; /* MS_SYNC and MS_ASYNC alike: written now */
	return result(call(POSIX_MSYNC, (uint32_t)(uintptr_t)addr,
			   (uint32_t)len, 0, 0, 0));
}

int munmap(void *addr, size_t len)
{
	return result(
	    call(POSIX_MUNMAP, (uint32_t)(uintptr_t)addr, (uint32_t)len, 0, 0,
		 0));
}

int mprotect(void *addr, size_t len, int prot)
{
	return result(call(POSIX_MPROTECT, (uint32_t)(uintptr_t)addr,
			   (uint32_t)len, (uint32_t)prot, 0, 0));
}

int shmget(key_t key, size_t size, int flags)
{
	return result(call(POSIX_SHMGET, (uint32_t)key, (uint32_t)size,
			   (uint32_t)flags, 0, 0));
}

void *shmat(int id, const void *addr, int flags)
{
	int r = call(POSIX_SHMAT, (uint32_t)id, (uint32_t)(uintptr_t)addr,
		     (uint32_t)flags, 0, 0);
	if (r < 0 && r > -4096) {
		result(r);
		return (void *)-1;
	}
	return (void *)(uintptr_t)(uint32_t)r;
}

int shmdt(const void *addr)
{
	return result(
	    call(POSIX_SHMDT, (uint32_t)(uintptr_t)addr, 0, 0, 0, 0));
}

int shmctl(int id, int cmd, struct shmid_ds *buf)
{
	(void)buf; /* IPC_RMID only: the server refuses the others */
	return result(call(POSIX_SHMCTL, (uint32_t)id, (uint32_t)cmd, 0, 0, 0));
}

/* clone(2), always in the caller's space (docs/posix.md, "clone"):
 * fn(arg) on the stack below `stack`; its return ends the thread (a
 * process's last thread, the process). */
struct clone_start {
	int (*fn)(void *);
	void *arg;
};

static void clone_entry(struct clone_start *s)
{
	int code = s->fn(s->arg);
	call(POSIX_THREAD_EXIT, (uint32_t)code, 0, 0, 0, 0);
	for (;;)
		sys_exit(code);
}

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	uint32_t sp = ((uint32_t)(uintptr_t)stack - 16) & ~7u;
	struct clone_start *s = (struct clone_start *)(uintptr_t)sp;
	s->fn = fn;
	s->arg = arg;
	return result(call(POSIX_CLONE, (uint32_t)flags,
			   (uint32_t)(uintptr_t)clone_entry, sp - 8, sp, 0));
}

uint32_t posix_stat(uint32_t which)
{
	return (uint32_t)call(POSIX_STAT, which, 0, 0, 0, 0);
}

int posix_fs_stat(uint32_t which)
{
	return fcall(POSIX_FS_STAT, 0, 0, which, 0, 0, 0);
}

/* ---- start: from crt0 with what the exec put on the stack */

/* crti/crtn are not linked (-nostartfiles): constructors come through
 * .init_array, so the .init/.fini hooks are empty */
void _init(void)
{
}

void _fini(void)
{
}

extern void __libc_init_array(void);
extern int main(int argc, char **argv, char **envp);

void __attribute__((noreturn))
__posix_start(int argc, char **argv, char **envp)
{
	environ = envp;
	__libc_init_array();
	exit(main(argc, argv, envp)); /* newlib's: atexit, stdio flushed */
}
