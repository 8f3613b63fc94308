/* The POSIX client library (posix/client.h): calls to the memory server. */
#include <tessera/sys.h>
#include <string.h>
#include <posix/client.h>
#include <posix/request.h>

int posix_errno;

/* A memory server request: its answer's MR0 (MR1 in *r1), or the ipc
 * error. */
static int call(uint32_t label, uint32_t a0, uint32_t a1, uint32_t a2,
		uint32_t a3, uint32_t *r1)
{
	struct ipc_msg m;
	int err = posix_request_memory(label, a0, a1, a2, a3, &m);
	if (err)
		return err;
	if (r1)
		*r1 = m.mr[1];
	return (int)m.mr[0];
}

static int result(int r)
{
	if (r < 0) {
		posix_errno = -r;
		return -1;
	}
	return r;
}

int fork(void)
{
	return result(call(POSIX_FORK, 0, 0, 0, 0, 0));
}

void _exit(int code)
{
	call(POSIX_EXIT, (uint32_t)code, 0, 0, 0, 0);
	for (;;)
		sys_exit(code); /* not reached: the server ends the process */
}

int waitpid(int pid, int *status, int options)
{
	uint32_t st = 0;
	int r =
	    call(POSIX_WAITPID, (uint32_t)pid, (uint32_t)options, 0, 0, &st);
	if (r > 0 && status)
		*status = (int)st;
	return result(r);
}

int getpid(void)
{
	return call(POSIX_GETPID, 0, 0, 0, 0, 0);
}

int getppid(void)
{
	return call(POSIX_GETPPID, 0, 0, 0, 0, 0);
}

int brk(void *addr)
{
	uint32_t want = (uint32_t)(uintptr_t)addr;
	uint32_t got = (uint32_t)call(POSIX_BRK, want, 0, 0, 0, 0);
	if (got != want) {
		posix_errno = POSIX_ENOMEM;
		return -1;
	}
	return 0;
}

void *sbrk(long incr)
{
	uint32_t cur = (uint32_t)call(POSIX_BRK, 0, 0, 0, 0, 0);
	if (incr == 0)
		return (void *)(uintptr_t)cur;
	uint32_t want = cur + (uint32_t)incr;
	if (call(POSIX_BRK, want, 0, 0, 0, 0) != (int)want) {
		posix_errno = POSIX_ENOMEM;
		return (void *)-1;
	}
	return (void *)(uintptr_t)cur;
}

void *mmap(void *addr, uint32_t len, int prot, int flags, int fd, uint32_t off)
{
	if (!(flags & POSIX_MAP_ANONYMOUS)) {
		if (fd < 0 || fd > 0xffff || (flags & ~0xfff) || (prot & ~0xf)) {
			posix_errno = fd < 0 ? POSIX_EBADF : POSIX_EINVAL;
			return MAP_FAILED;
		}
		int r = call(POSIX_MMAP_FILE, (uint32_t)(uintptr_t)addr, len,
			     (uint32_t)prot | (uint32_t)flags << 4 |
				 (uint32_t)fd << 16,
			     off, 0);
		return result(r) == -1 ? MAP_FAILED
				       : (void *)(uintptr_t)(uint32_t)r;
	}
	int r = call(POSIX_MMAP, (uint32_t)(uintptr_t)addr, len, (uint32_t)prot,
		     (uint32_t)flags, 0);
	return result(r) == -1 ? MAP_FAILED : (void *)(uintptr_t)(uint32_t)r;
}

int msync(void *addr, uint32_t len, int flags)
{
	(void)flags; /* MS_SYNC and MS_ASYNC alike: written now */
	return result(
	    call(POSIX_MSYNC, (uint32_t)(uintptr_t)addr, len, 0, 0, 0));
}

int munmap(void *addr, uint32_t len)
{
	return result(
	    call(POSIX_MUNMAP, (uint32_t)(uintptr_t)addr, len, 0, 0, 0));
}

int mprotect(void *addr, uint32_t len, int prot)
{
	return result(call(POSIX_MPROTECT, (uint32_t)(uintptr_t)addr, len,
			   (uint32_t)prot, 0, 0));
}

int shmget(int key, uint32_t size, int flags)
{
	return result(call(POSIX_SHMGET, (uint32_t)key, size, (uint32_t)flags,
			   0, 0));
}

void *shmat(int id, const void *addr, int flags)
{
	int r = call(POSIX_SHMAT, (uint32_t)id, (uint32_t)(uintptr_t)addr,
		     (uint32_t)flags, 0, 0);
	return result(r) == -1 ? (void *)-1 : (void *)(uintptr_t)(uint32_t)r;
}

int shmdt(const void *addr)
{
	return result(
	    call(POSIX_SHMDT, (uint32_t)(uintptr_t)addr, 0, 0, 0, 0));
}

int shmctl(int id, int cmd, void *buf)
{
	(void)buf; /* only IPC_RMID, which takes none */
	return result(call(POSIX_SHMCTL, (uint32_t)id, (uint32_t)cmd, 0, 0, 0));
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	char *buf = posix_io_buf();
	uint32_t len, argc = 0, envc = 0, n = (uint32_t)strlen(path) + 1;
	if (n > 4096) {
		posix_errno = 36; /* ENAMETOOLONG */
		return -1;
	}
	memcpy(buf, path, n);
	len = n;
	for (int pass = 0; pass < 2; pass++) {
		char *const *v = pass ? envp : argv;
		for (; v && *v; v++) {
			n = (uint32_t)strlen(*v) + 1;
			if (n > 4096 - len) {
				posix_errno = POSIX_E2BIG;
				return -1;
			}
			memcpy(buf + len, *v, n);
			len += n;
			if (pass)
				envc++;
			else
				argc++;
		}
	}
	return result(call(POSIX_EXEC, argc, envc, len, 0, 0));
}

struct thread_start {
	int (*fn)(void *);
	void *arg;
};

static void thread_entry(struct thread_start *s)
{
	posix_thread_exit(s->fn(s->arg));
}

int posix_thread_create(int (*fn)(void *), void *arg, void *stack_top)
{
	/* the start record sits at the top of the new thread's stack */
	uint32_t sp = ((uint32_t)(uintptr_t)stack_top - 16) & ~7u;
	struct thread_start *s = (struct thread_start *)(uintptr_t)sp;
	s->fn = fn;
	s->arg = arg;
	return result(call(POSIX_THREAD_CREATE,
			   (uint32_t)(uintptr_t)thread_entry, sp - 8, sp, 0,
			   0));
}

int posix_clone(int (*fn)(void *), void *stack_top, unsigned flags,
		void *arg)
{
	uint32_t sp = ((uint32_t)(uintptr_t)stack_top - 16) & ~7u;
	struct thread_start *s = (struct thread_start *)(uintptr_t)sp;
	s->fn = fn;
	s->arg = arg;
	/* fn's return ends the thread; a process's last thread, the
	 * process */
	return result(call(POSIX_CLONE, flags,
			   (uint32_t)(uintptr_t)thread_entry, sp - 8, sp, 0));
}

void posix_thread_exit(int code)
{
	call(POSIX_THREAD_EXIT, (uint32_t)code, 0, 0, 0, 0);
	for (;;)
		sys_exit(code);
}

uint32_t posix_stat(uint32_t which)
{
	return (uint32_t)call(POSIX_STAT, which, 0, 0, 0, 0);
}

/* ---- files: calls to the file server through this thread's ipc buffer
 * (the page after its UTCB, kept mapped by the memory server) */

static uint32_t fs_server;

/* One call (posix/request.h); r: MR1, MR2. */
static int fcall(uint32_t label, const void *ext, uint32_t len, uint32_t a0,
		 uint32_t a1, uint32_t a2, uint32_t *r)
{
	struct ipc_msg m;
	if (!fs_server)
		fs_server = (uint32_t)call(POSIX_FS_TID, 0, 0, 0, 0, 0);
	if (len > POSIX_IO_SIZE)
		return -POSIX_EINVAL;
	int err = posix_request_files(fs_server, label, ext, len, a0, a1, a2,
				      &m);
	if (err)
		return err;
	if (r) {
		r[0] = m.mr[1];
		r[1] = m.mr[2];
	}
	return (int)m.mr[0];
}

/* A path call: the path (with its NUL) as the extended message. */
static int pcall(uint32_t label, const char *path, uint32_t a0, uint32_t a1)
{
	uint32_t n = (uint32_t)strlen(path) + 1;
	if (n > 4096)
		return result(-36); /* ENAMETOOLONG */
	return fcall(label, path, n, a0, a1, 0, 0);
}

int open(const char *path, int flags, unsigned mode)
{
	return result(pcall(POSIX_OPEN, path, (uint32_t)flags, mode));
}

long read(int fd, void *buf, uint32_t n)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t k = n - done > 4096 ? 4096 : n - done;
		int r = fcall(POSIX_READ, 0, 0, (uint32_t)fd, k, 0, 0);
		if (r < 0)
			return done ? (long)done : result(r);
		memcpy((char *)buf + done, posix_io_buf(), (uint32_t)r);
		done += (uint32_t)r;
		if ((uint32_t)r < k)
			break; /* short: end of file or what a pipe held */
	}
	return (long)done;
}

long write(int fd, const void *buf, uint32_t n)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t k = n - done > 4096 ? 4096 : n - done;
		int r = fcall(POSIX_WRITE, (const char *)buf + done, k,
			      (uint32_t)fd, 0, 0, 0);
		if (r < 0)
			return done ? (long)done : result(r);
		done += (uint32_t)r;
		if ((uint32_t)r < k)
			break;
	}
	return (long)done;
}

long lseek(int fd, long off, int whence)
{
	return result(fcall(POSIX_LSEEK, 0, 0, (uint32_t)fd, (uint32_t)off,
			    (uint32_t)whence, 0));
}

int close(int fd)
{
	return result(fcall(POSIX_CLOSE, 0, 0, (uint32_t)fd, 0, 0, 0));
}

int dup(int fd)
{
	return result(fcall(POSIX_DUP, 0, 0, (uint32_t)fd, 0, 0, 0));
}

int dup2(int fd, int newfd)
{
	return result(
	    fcall(POSIX_DUP2, 0, 0, (uint32_t)fd, (uint32_t)newfd, 0, 0));
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}

int pipe2(int fds[2], int flags)
{
	uint32_t r[2];
	int err = fcall(POSIX_PIPE, 0, 0, (uint32_t)flags, 0, 0, r);
	if (err == 0) {
		fds[0] = (int)r[0];
		fds[1] = (int)r[1];
	}
	return result(err);
}

static int stat_result(int r, struct posix_stat *st)
{
	if (r == 0)
		memcpy(st, posix_io_buf(), sizeof(*st));
	return result(r);
}

int stat(const char *path, struct posix_stat *st)
{
	return stat_result(pcall(POSIX_STATP, path, 0, 0), st);
}

int fstat(int fd, struct posix_stat *st)
{
	return stat_result(fcall(POSIX_FSTAT, 0, 0, (uint32_t)fd, 0, 0, 0), st);
}

int unlink(const char *path)
{
	return result(pcall(POSIX_UNLINK, path, 0, 0));
}

int rename(const char *from, const char *to)
{
	uint32_t a = (uint32_t)strlen(from) + 1, b = (uint32_t)strlen(to) + 1;
	if (a + b > 4096)
		return result(-36);
	char *buf = posix_io_buf();
	memmove(buf, from, a);
	memmove(buf + a, to, b);
	return result(fcall(POSIX_RENAME, buf, a + b, 0, 0, 0, 0));
}

int mkdir(const char *path, unsigned mode)
{
	return result(pcall(POSIX_MKDIR, path, mode, 0));
}

int rmdir(const char *path)
{
	return result(pcall(POSIX_RMDIR, path, 0, 0));
}

char *getcwd(char *buf, uint32_t size)
{
	int r = fcall(POSIX_GETCWD, 0, 0, size, 0, 0, 0);
	if (result(r) < 0)
		return 0;
	memcpy(buf, posix_io_buf(), (uint32_t)r + 1);
	return buf;
}

int chdir(const char *path)
{
	return result(pcall(POSIX_CHDIR, path, 0, 0));
}

int opendir(const char *path)
{
	return result(pcall(POSIX_OPENDIR, path, 0, 0));
}

int readdir(int fd, struct posix_dirent *d)
{
	int r = fcall(POSIX_READDIR, 0, 0, (uint32_t)fd, 0, 0, 0);
	if (r == 1)
		memcpy(d, posix_io_buf(), sizeof(*d));
	return result(r);
}

int posix_fs_stat(uint32_t which)
{
	return fcall(POSIX_FS_STAT, 0, 0, which, 0, 0, 0);
}
