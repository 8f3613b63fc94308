/*
 * The processes' own code: init runs the POSIX test cases (TEST-line
 * protocol, tessera/test.h) in its own process, forking children that are
 * functions of this same program; tools/tests/test_posix.py checks them.
 */
#include <string.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include <posix/client.h>

#define PG 4096u

/* Process memory: private to each process (the image is mapped
 * copy-on-write), never the server's. */
static volatile uint32_t pages[3][PG / 4] __attribute__((aligned(4096)));
static volatile uint32_t shared_flag;
static uint32_t base_stats[8];

static void take_stats(uint32_t *s)
{
	for (uint32_t i = 0; i < 7; i++)
		s[i] = posix_stat(i);
}

/* The child's side of COW: sees the parent's values, writes its own. */
static int cow_child(uint32_t *heap)
{
	for (int i = 0; i < 3; i++)
		if (pages[i][7] != 100u + (uint32_t)i)
			return 10 + i;
	if (heap[3] != 0xabcd)
		return 20;
	for (int i = 0; i < 3; i++)
		pages[i][7] = 200u + (uint32_t)i;
	heap[3] = 0x1234;
	for (int i = 0; i < 3; i++)
		if (pages[i][7] != 200u + (uint32_t)i)
			return 30 + i;
	return heap[3] == 0x1234 ? 0 : 40;
}

TEST_CASE(cow, parent_and_child_see_own_writes)
{
	uint32_t *heap = sbrk(PG);
	EXPECT_NE((long)heap, -1L);
	for (int i = 0; i < 3; i++)
		pages[i][7] = 100u + (uint32_t)i;
	heap[3] = 0xabcd;
	int pid = fork();
	if (pid == 0)
		_exit(cow_child(heap));
	EXPECT_GT(pid, 0);
	/* the parent writes the same pages while the child lives */
	for (int i = 0; i < 3; i++)
		pages[i][7] = 300u + (uint32_t)i;
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(pages[i][7], 300u + (uint32_t)i);
	EXPECT_EQ(heap[3], 0xabcdu);
	EXPECT_EQ((long)sbrk(-(long)PG), (long)heap + (long)PG);
}

/* Each generation checks its parent and its memory, forks the next and
 * adds its child's code to its own. */
static int generation(int n, uint32_t parent)
{
	if ((uint32_t)getppid() != parent)
		return 100;
	if (pages[0][1] != (uint32_t)(n - 1))
		return 101;
	pages[0][1] = (uint32_t)n;
	if (n == 3)
		return 3;
	uint32_t me = (uint32_t)getpid();
	int pid = fork();
	if (pid == 0)
		_exit(generation(n + 1, me));
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 102;
	if (pages[0][1] != (uint32_t)n)
		return 103;
	return n + POSIX_WEXITSTATUS(status);
}

TEST_CASE(fork, three_generations)
{
	pages[0][1] = 0;
	uint32_t me = (uint32_t)getpid();
	int pid = fork();
	if (pid == 0)
		_exit(generation(1, me));
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 1 + 2 + 3);
	EXPECT_EQ(pages[0][1], 0u);
}

static volatile int by_tid_child;

/* The second thread forks: the child is a copy of it alone. */
static int forking_thread(void *arg)
{
	(void)arg;
	int pid = fork();
	if (pid == 0)
		_exit(posix_stat(POSIX_STAT_NTHREADS) == 1 ? 42 : 43);
	by_tid_child = pid;
	shared_flag = 1;
	return 0;
}

TEST_CASE(fork, copies_the_forking_thread_by_tid)
{
	void *stack = mmap(0, 4 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			   POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)stack, (long)MAP_FAILED);
	shared_flag = 0;
	int t = posix_thread_create(forking_thread, 0, (char *)stack + 4 * PG);
	EXPECT_GT(t, 0);
	while (!shared_flag)
		sys_yield();
	while (posix_stat(POSIX_STAT_NTHREADS) != 1)
		sys_yield();
	int status = -1;
	EXPECT_GT(by_tid_child, 0);
	EXPECT_EQ(waitpid(by_tid_child, &status, 0), by_tid_child);
	/* 42: the child ran the second thread's code, and only it */
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 42);
	EXPECT_EQ(munmap(stack, 4 * PG), 0);
}

TEST_CASE(wait, status_nohang_and_echild)
{
	int status = -1;
	EXPECT_EQ(waitpid(-1, &status, 0), -1);
	EXPECT_EQ(posix_errno, POSIX_ECHILD);
	int pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 20; i++)
			sys_yield();
		_exit(42);
	}
	EXPECT_GT(pid, 0);
	EXPECT_EQ(waitpid(pid, &status, POSIX_WNOHANG), 0);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 42);
	EXPECT_EQ(waitpid(pid, &status, 0), -1);
	EXPECT_EQ(posix_errno, POSIX_ECHILD);
}

TEST_CASE(wait, fault_ends_child_with_sigsegv)
{
	int pid = fork();
	if (pid == 0) {
		*(volatile uint32_t *)0x30000000 = 1; /* no VMA there */
		_exit(0);
	}
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(POSIX_WIFSIGNALED(status));
	EXPECT_EQ(POSIX_WTERMSIG(status), POSIX_SIGSEGV);
}

TEST_CASE(orphan, reaped_by_init)
{
	uint32_t init = (uint32_t)getpid();
	int pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			while ((uint32_t)getppid() != init)
				sys_yield();
			_exit(7);
		}
		_exit(1);
	}
	int status = -1, seen = 0, orphan_status = -1;
	for (int i = 0; i < 2; i++) {
		int w = waitpid(-1, &status, 0);
		EXPECT_GT(w, 0);
		if (w == pid)
			seen++;
		else
			orphan_status = status;
	}
	EXPECT_EQ(seen, 1);
	EXPECT_EQ(POSIX_WEXITSTATUS(orphan_status), 7);
	EXPECT_EQ(waitpid(-1, &status, 0), -1);
}

TEST_CASE(brk, sbrk_grows_and_shrinks)
{
	char *b0 = sbrk(0);
	char *b = sbrk(3 * PG);
	EXPECT_EQ((long)b, (long)b0);
	EXPECT_EQ((long)sbrk(0), (long)(b0 + 3 * PG));
	memset(b, 0x5a, 3 * PG);
	EXPECT_EQ(b[3 * PG - 1], 0x5a);
	EXPECT_EQ((long)sbrk(-(long)(2 * PG)), (long)(b0 + 3 * PG));
	EXPECT_EQ(b[0], 0x5a);
	char *c = sbrk(PG);
	EXPECT_EQ((long)c, (long)(b0 + PG));
	/* pages a shrink gave back come back zero */
	EXPECT_EQ(c[0], 0);
	EXPECT_EQ(c[PG - 1], 0);
	EXPECT_EQ(brk(b0), 0);
	EXPECT_EQ((long)sbrk(0), (long)b0);
}

TEST_CASE(mmap, anonymous_map_and_unmap)
{
	char *m = mmap(0, 3 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
		       POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)m, (long)MAP_FAILED);
	EXPECT_EQ(m[0], 0);
	m[0] = 1;
	m[PG] = 2;
	m[2 * PG] = 3;
	EXPECT_EQ(munmap(m + PG, PG), 0);
	EXPECT_EQ(m[0] + m[2 * PG], 4);
	int pid = fork();
	if (pid == 0) {
		if (m[0] != 1 || m[2 * PG] != 3)
			_exit(1);
		(void)*(volatile char *)(m + PG); /* unmapped: SIGSEGV */
		_exit(2);
	}
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WTERMSIG(status), POSIX_SIGSEGV);
	EXPECT_EQ(munmap(m, 3 * PG), 0);
	EXPECT_EQ(munmap(m + 1, PG), -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
}

/* A fork bomb: fork until the server says EAGAIN, children waiting for
 * their parent to end. */
static int bomb(void)
{
	uint32_t me = (uint32_t)getpid();
	int n = 0;
	for (;;) {
		int pid = fork();
		if (pid == 0) {
			while ((uint32_t)getppid() == me)
				sys_yield();
			_exit(0);
		}
		if (pid < 0)
			return posix_errno == POSIX_EAGAIN ? 100 + n : 1;
		n++;
	}
}

TEST_CASE(fork, bomb_stops_with_eagain_and_leaks_nothing)
{
	uint32_t before[8];
	take_stats(before);
	int pid = fork();
	if (pid == 0)
		_exit(bomb());
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	/* at least one child made, then EAGAIN */
	int made = POSIX_WEXITSTATUS(status) - 100;
	EXPECT_GT(made, 0);
	/* its children, orphans now, come to init */
	int reaped = 0;
	while (waitpid(-1, &status, 0) > 0)
		reaped++;
	EXPECT_EQ(reaped, made);
	uint32_t after[8];
	take_stats(after);
	/* processes, threads, spaces and page tables all back (pages are
	 * checked by budgets.back_where_they_started, with the image's page
	 * cache warm) */
	EXPECT_EQ(after[POSIX_STAT_PROCS], before[POSIX_STAT_PROCS]);
	EXPECT_EQ(after[POSIX_STAT_THREADS], before[POSIX_STAT_THREADS]);
	EXPECT_EQ(after[POSIX_STAT_SPACES], before[POSIX_STAT_SPACES]);
	EXPECT_EQ(after[POSIX_STAT_PTPAGES], before[POSIX_STAT_PTPAGES]);
}

/* Everything at once in a child: heap, mmap, COW with a grandchild, a
 * fork bomb; init then reaps the child and the orphans. */
static int workload_child(void)
{
	char *h = sbrk(2 * PG);
	char *m = mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
		       POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	if (h == (void *)-1 || m == MAP_FAILED)
		return 1;
	h[0] = m[0] = 1;
	pages[1][0] = 5;
	int pid = fork();
	if (pid == 0) {
		h[1] = m[1] = 2;
		pages[1][0] = 6;
		_exit(h[0] + m[0]);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid || POSIX_WEXITSTATUS(status) != 2 ||
	    pages[1][0] != 5 || h[1] || m[1])
		return 2;
	return bomb() > 100 ? 0 : 3;
}

static int workload(void)
{
	int pid = fork(), status = -1, bad = 0;
	if (pid == 0)
		_exit(workload_child());
	if (waitpid(pid, &status, 0) != pid || POSIX_WEXITSTATUS(status))
		bad = 1;
	while (waitpid(-1, &status, 0) > 0)
		;
	return bad;
}

TEST_CASE(budgets, back_where_they_started)
{
	uint32_t before[8], after[8];
	EXPECT_EQ(workload(), 0); /* warms the image's page cache */
	take_stats(before);
	EXPECT_EQ(workload(), 0);
	take_stats(after);
	for (uint32_t i = 0; i < 7; i++)
		EXPECT_EQ(after[i], before[i]);
	/* and the kernel objects as when init started */
	EXPECT_EQ(after[POSIX_STAT_PROCS], base_stats[POSIX_STAT_PROCS]);
	EXPECT_EQ(after[POSIX_STAT_THREADS], base_stats[POSIX_STAT_THREADS]);
	EXPECT_EQ(after[POSIX_STAT_SPACES], base_stats[POSIX_STAT_SPACES]);
}

static const struct test_case posix_cases[] = {
    TEST_ENTRY(cow, parent_and_child_see_own_writes),
    TEST_ENTRY(fork, three_generations),
    TEST_ENTRY(fork, copies_the_forking_thread_by_tid),
    TEST_ENTRY(wait, status_nohang_and_echild),
    TEST_ENTRY(wait, fault_ends_child_with_sigsegv),
    TEST_ENTRY(orphan, reaped_by_init),
    TEST_ENTRY(brk, sbrk_grows_and_shrinks),
    TEST_ENTRY(mmap, anonymous_map_and_unmap),
    TEST_ENTRY(fork, bomb_stops_with_eagain_and_leaks_nothing),
    TEST_ENTRY(budgets, back_where_they_started),
    TEST_TABLE_END,
};

static const struct test_case *const tables[] = {posix_cases, 0};

void posix_init_main(void)
{
	take_stats(base_stats);
	_exit(test_run(tables));
}
