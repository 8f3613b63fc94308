/* The POSIX figures of scripts/bench (docs/benchmarks.md, "POSIX"):
 * fork + _exit + waitpid, a copy-on-write fault, fork + execve + wait,
 * and a pipe round trip between two processes, each counted between two
 * readings of the generic timer's virtual counter (CNTVCT, readable in
 * user mode under CONFIG_BENCH_COUNTERS, no capability needed) and
 * printed as the BENCH lines tools/bench.py parses:
 *   BENCH start cntfrq <Hz> iterations <n> warmup <w>
 *   BENCH fig <name> <iterations> <counter ticks>
 *   BENCH end
 * Usage: posixbench [iterations]; "posixbench exit" exits at once (the
 * program the exec figure runs). Generic timer boards only (qemu_virt).
 * Kept out of the C files of containers/posix/bin/<name>/ (the test system's
 * programs): configs/posix_bench.toml packs ../../rootfs with this bin/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static inline uint64_t now(void)
{
	uint32_t lo, hi;
	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14"
			 : "=r"(lo), "=r"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t cntfrq(void)
{
	uint32_t f;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(f));
	return f;
}

static int failed;

static void fail(const char *fig, const char *what)
{
	printf("BENCH na %s %s failed\n", fig, what);
	failed = 1;
}

static void fig(const char *name, unsigned n, uint64_t ticks)
{
	printf("BENCH fig %s %u %lu\n", name, n, (unsigned long)ticks);
}

/* fork, the child _exits at once, the parent waits for it */
static int fork_exit_wait(void)
{
	int pid = fork(), status;
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	return 0;
}

/* fork, the child execs this program with "exit", the parent waits */
static int fork_exec_wait(void)
{
	static char *const argv[] = {"posixbench", "exit", 0};
	static char *const envp[] = {0};
	int pid = fork(), status;
	if (pid == 0) {
		execve("/bin/posixbench", argv, envp);
		_exit(99);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	return 0;
}

/* A page of .bss, written before each fork so it is mapped and private. */
static volatile char page[2 * 4096] __attribute__((aligned(4096)));

/* One copy-on-write fault: write the page (mapped, writable), fork a
 * child that keeps the page shared until told (it blocks in a pipe
 * read), time the parent's first write to it, release the child, wait.
 * Adds the counter ticks of the write to *ticks. */
static int cow_once(uint64_t *ticks)
{
	int go[2], status;
	char c = 0;
	page[0]++;
	if (pipe(go) != 0)
		return -1;
	int pid = fork();
	if (pid == 0) {
		close(go[1]);
		read(go[0], &c, 1);
		_exit(page[0] == c ? 0 : 0);
	}
	if (pid < 0)
		return -1;
	uint64_t t0 = now();
	page[0] = 1;		/* the copy-on-write fault */
	uint64_t t1 = now();
	*ticks += t1 - t0;
	write(go[1], &c, 1);
	close(go[0]);
	close(go[1]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	return 0;
}

/* n round trips of one byte: parent writes to the child, which reads
 * and writes it back; the parent reads it. */
static int pipe_round_trips(unsigned warm, unsigned n, uint64_t *ticks)
{
	int there[2], back[2], status;
	char c = 'x';
	if (pipe(there) != 0 || pipe(back) != 0)
		return -1;
	int pid = fork();
	if (pid == 0) {
		close(there[1]);
		close(back[0]);
		while (read(there[0], &c, 1) == 1)
			if (write(back[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	close(there[0]);
	close(back[1]);
	uint64_t t0 = 0;
	for (unsigned i = 0; i < warm + n; i++) {
		if (i == warm)
			t0 = now();
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)
			return -1;
	}
	*ticks = now() - t0;
	close(there[1]);	/* the child reads the end and exits */
	close(back[0]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100;
	if (n == 0)
		n = 1;
	unsigned warm = n / 10 < 10 ? 10 : n / 10;
	printf("BENCH start cntfrq %u iterations %u warmup %u\n",
	       (unsigned)cntfrq(), n, warm);

	uint64_t t0 = 0, ticks;
	int ok = 1;
	for (unsigned i = 0; ok && i < warm + n; i++) {
		if (i == warm)
			t0 = now();
		ok = fork_exit_wait() == 0;
	}
	if (ok)
		fig("posix_fork_exit_wait", n, now() - t0);
	else
		fail("posix_fork_exit_wait", "fork, _exit or waitpid");

	ok = 1;
	for (unsigned i = 0; ok && i < warm + n; i++) {
		if (i == warm)
			t0 = now();
		ok = fork_exec_wait() == 0;
	}
	if (ok)
		fig("posix_fork_exec_wait", n, now() - t0);
	else
		fail("posix_fork_exec_wait", "fork, execve or waitpid");

	ok = 1;
	ticks = 0;
	for (unsigned i = 0; ok && i < warm + n; i++) {
		if (i == warm)
			ticks = 0;
		ok = cow_once(&ticks) == 0;
	}
	if (ok)
		fig("posix_cow_fault", n, ticks);
	else
		fail("posix_cow_fault", "pipe, fork or waitpid");

	if (pipe_round_trips(warm, n, &ticks) == 0)
		fig("posix_pipe_round_trip", n, ticks);
	else
		fail("posix_pipe_round_trip", "pipe, read, write or waitpid");

	printf("BENCH end\n");
	return failed;
}
