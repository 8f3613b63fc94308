/* The POSIX client library (posix/client.h): calls to the memory server. */
#include <tessera/sys.h>
#include <posix/client.h>

int posix_errno;

static int call(uint32_t label, uint32_t a0, uint32_t a1, uint32_t a2,
		uint32_t a3, uint32_t *r1)
{
	struct sys_ids ids;
	sys_getid(&ids);
	struct ipc_msg m = {.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0),
			    .mr = {a0, a1, a2, a3}};
	int err = ipc_call(ids.pager, &m);
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
	if (fd != -1 || off) {
		posix_errno = POSIX_EINVAL; /* file mappings: not yet */
		return MAP_FAILED;
	}
	int r = call(POSIX_MMAP, (uint32_t)(uintptr_t)addr, len, (uint32_t)prot,
		     (uint32_t)flags, 0);
	return result(r) == -1 ? MAP_FAILED : (void *)(uintptr_t)(uint32_t)r;
}

int munmap(void *addr, uint32_t len)
{
	return result(
	    call(POSIX_MUNMAP, (uint32_t)(uintptr_t)addr, len, 0, 0, 0));
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
