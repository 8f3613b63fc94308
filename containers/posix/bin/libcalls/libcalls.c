/*
 * libcalls: the C library's calls that the other programs do not use,
 * each through newlib's headers and the system-call layer
 * (containers/posix/libc/syscalls.c), with their errors as errno: memory
 * mappings (anonymous and file, msync, mprotect, munmap), System V shm
 * across a fork, clone, fork/waitpid/getppid, pipe/dup/dup2, directories
 * (chdir, getcwd, rename) and times. Prints one line per group; the exit
 * code is the number of failed checks (the exec case of
 * containers/posix/server/init.c expects 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <tessera_posix.h>

#define PG 4096

static int failures;

/* One check: cond, else a line naming it and errno. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("libcalls: FAIL %s:%d: %s (errno %d)\n",        \
			       __func__, __LINE__, #cond, errno);              \
			failures++;                                            \
		}                                                              \
	} while (0)

static void anonymous_mappings(void)
{
	char *p = mmap(0, 3 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(p[0] == 0 && p[2 * PG + 5] == 0); /* demand-zero */
	memset(p, 0x5a, 3 * PG);
	CHECK(p[PG + 7] == 0x5a);
	CHECK(mprotect(p + 2 * PG, PG, PROT_READ) == 0);
	CHECK(p[2 * PG] == 0x5a); /* still readable */
	CHECK(mprotect(p + 2 * PG, PG, PROT_READ | PROT_WRITE) == 0);
	p[2 * PG] = 1;
	CHECK(munmap(p + PG, PG) == 0); /* a hole in the middle */
	CHECK(p[0] == 0x5a && p[2 * PG] == 1);
	errno = 0;
	CHECK(munmap(p + 1, PG) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		  MAP_FAILED &&
	      errno == EINVAL);
	errno = 0;
	CHECK(mmap(0, PG, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED &&
	      errno == EBADF);
	CHECK(munmap(p, 3 * PG) == 0);
	printf("libcalls: anonymous mappings ok\n");
}

static void file_mappings(void)
{
	static char page[2 * PG];
	for (int i = 0; i < 2 * PG; i++)
		page[i] = (char)('a' + i % 26);
	int fd = open("/tmp/libcalls.dat", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, page, sizeof(page)) == (long)sizeof(page));
	char *s = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *q = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PG);
	CHECK(s != MAP_FAILED && q != MAP_FAILED);
	if (s == MAP_FAILED || q == MAP_FAILED)
		return;
	CHECK(memcmp(s, page, sizeof(page)) == 0);
	CHECK(q[0] == page[PG]);
	q[0] = '#';            /* private: never the file's */
	s[PG + 1] = '!';       /* shared: the file's after msync */
	CHECK(msync(s, 2 * PG, MS_SYNC) == 0);
	char c = 0;
	CHECK(lseek(fd, PG, SEEK_SET) == PG);
	CHECK(read(fd, &c, 1) == 1 && c == page[PG]); /* not q's '#' */
	CHECK(read(fd, &c, 1) == 1 && c == '!');
	errno = 0;
	CHECK(msync(s + 1, PG, MS_SYNC) == -1 && errno == EINVAL);
	CHECK(munmap(q, PG) == 0 && munmap(s, 2 * PG) == 0);
	CHECK(close(fd) == 0);
	errno = 0;
	CHECK(mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED &&
	      errno == EBADF); /* closed */
	CHECK(unlink("/tmp/libcalls.dat") == 0);
	printf("libcalls: file mappings ok\n");
}

static void shared_memory(void)
{
	int id = shmget(0x4c43, PG, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(id >= 0);
	errno = 0;
	CHECK(shmget(0x4c43, PG, IPC_CREAT | IPC_EXCL | 0600) == -1 &&
	      errno == EEXIST);
	volatile char *p = shmat(id, 0, 0);
	CHECK(p != (void *)-1);
	if (p == (void *)-1)
		return;
	p[0] = 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) { /* the attach is inherited: the same page */
		p[0] = 2;
		_exit(p[0] == 2 ? 0 : 1);
	}
	int status = -1;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	CHECK(p[0] == 2);
	CHECK(shmdt((const void *)p) == 0);
	errno = 0;
	CHECK(shmdt((const void *)p) == -1 && errno == EINVAL);
	CHECK(shmctl(id, IPC_RMID, 0) == 0);
	errno = 0;
	CHECK(shmat(id, 0, 0) == (void *)-1 && errno == EINVAL);
	errno = 0;
	CHECK(shmget(0x4c43, PG, 0) == -1 && errno == ENOENT);
	printf("libcalls: shm ok\n");
}

static volatile int clone_word;
static char clone_stack[2 * PG] __attribute__((aligned(8)));

static int clone_fn(void *arg)
{
	clone_word = (int)(intptr_t)arg;
	return 0; /* ends this thread only */
}

static void threads(void)
{
	int t = clone(clone_fn, clone_stack + sizeof(clone_stack),
		      CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FS |
			  CLONE_FILES,
		      (void *)42);
	CHECK(t > 0 && t != getpid());
	while (t > 0 && clone_word != 42)
		; /* the same memory: its write shows here */
	while (t > 0 && posix_stat(7 /* POSIX_STAT_NTHREADS */) != 1)
		; /* and its return ended it */
	errno = 0;
	CHECK(clone(clone_fn, clone_stack + sizeof(clone_stack), CLONE_THREAD,
		    0) == -1 &&
	      errno == EINVAL); /* always CLONE_VM */
	printf("libcalls: clone ok\n");
}

static void processes_and_pipes(void)
{
	int fds[2], status = -1;
	pid_t me = getpid();
	CHECK(pipe(fds) == 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int out = dup(fds[1]);
		if (getppid() != me || out < 0 || dup2(out, 9) != 9)
			_exit(1);
		_exit(write(9, "dup2", 4) == 4 ? 7 : 2);
	}
	char buf[8] = {0};
	CHECK(read(fds[0], buf, 4) == 4 && memcmp(buf, "dup2", 4) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 7);
	errno = 0;
	CHECK(waitpid(pid, &status, 0) == -1 && errno == ECHILD);
	errno = 0;
	CHECK(dup2(99, 3) == -1 && errno == EBADF);
	CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
	struct tms t;
	CHECK(times(&t) != (clock_t)-1);
	printf("libcalls: fork, pipe, dup2 ok\n");
}

static void directories(void)
{
	char cwd[64];
	struct stat st;
	CHECK(mkdir("/tmp/lcd", 0755) == 0);
	CHECK(chdir("/tmp/lcd") == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp/lcd") == 0);
	int fd = open("a", O_CREAT | O_WRONLY, 0644); /* relative */
	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(rename("a", "b") == 0);
	errno = 0;
	CHECK(stat("a", &st) == -1 && errno == ENOENT);
	CHECK(stat("/tmp/lcd/b", &st) == 0 && S_ISREG(st.st_mode));
	errno = 0;
	CHECK(rmdir("/tmp/lcd") == -1 && errno == ENOTEMPTY);
	CHECK(unlink("b") == 0 && chdir("/") == 0 && rmdir("/tmp/lcd") == 0);
	errno = 0;
	CHECK(chdir("/tmp/lcd") == -1 && errno == ENOENT);
	printf("libcalls: directories ok\n");
}

int main(void)
{
	setvbuf(stdout, 0, _IONBF, 0);
	anonymous_mappings();
	file_mappings();
	shared_memory();
	threads();
	processes_and_pipes();
	directories();
	printf("libcalls: %d failed\n", failures);
	return failures;
}
