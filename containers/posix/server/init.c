/*
 * The processes' own code: init runs the POSIX test cases (TEST-line
 * protocol, tessera/test.h) in its own process, forking children that are
 * functions of this same program; tools/tests/test_posix.py checks them.
 */
#include <string.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include <posix/client.h>
#include "../../tests/posix/common/peer.h"

#define PG 4096u
#define EXEC_TEST_MANY 200 /* more strings than exec takes (128) */

/* Process memory: private to each process (the image is mapped
 * copy-on-write), never the server's. */
static volatile uint32_t pages[3][PG / 4] __attribute__((aligned(4096)));
static volatile uint32_t shared_flag;
static uint32_t base_stats[8];
static int base_fs[6];
/* POSIX_STAT_CAPS, _CHILDREN, _CAPS_OUT when init started */
static uint32_t base_domain[3];

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
	volatile uint32_t local = 1; /* a stack page */
	int pid = fork();
	if (pid == 0) {
		if (local != 1)
			_exit(50);
		local = 2;
		_exit(local == 2 ? cow_child(heap) : 51);
	}
	EXPECT_GT(pid, 0);
	local = 3;
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
	EXPECT_EQ(local, 3u);
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
	/* and what the server's resource domain handed out */
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS), base_domain[0]);
	EXPECT_EQ(posix_stat(POSIX_STAT_CHILDREN), base_domain[1]);
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS_OUT), base_domain[2]);
	/* and the file server's: descriptions, inodes, chunks, tables */
	for (uint32_t i = 0; i < 6; i++)
		EXPECT_EQ(posix_fs_stat(i), base_fs[i]);
}

#define FILE_BYTES 10000u
static uint8_t fbuf[FILE_BYTES], fbuf2[FILE_BYTES];

TEST_CASE(files, create_write_read_back)
{
	for (uint32_t i = 0; i < FILE_BYTES; i++)
		fbuf[i] = (uint8_t)(i * 13 + 7);
	int fd = open("/tmp/a", O_CREAT | O_RDWR | O_EXCL, 0644);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(write(fd, fbuf, FILE_BYTES), (long)FILE_BYTES);
	EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0L);
	memset(fbuf2, 0, sizeof(fbuf2));
	EXPECT_EQ(read(fd, fbuf2, FILE_BYTES), (long)FILE_BYTES);
	EXPECT_EQ(memcmp(fbuf, fbuf2, FILE_BYTES), 0);
	EXPECT_EQ(read(fd, fbuf2, 10), 0L);
	struct posix_stat st;
	EXPECT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(st.size, FILE_BYTES);
	EXPECT_EQ(st.mode & S_IFMT, S_IFREG);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(open("/tmp/a", O_CREAT | O_RDWR | O_EXCL, 0644), -1);
	EXPECT_EQ(posix_errno, 17);
	EXPECT_EQ(unlink("/tmp/a"), 0);
	EXPECT_EQ(close(fd), -1);
	EXPECT_EQ(posix_errno, 9);
}

TEST_CASE(files, packed_initial_file)
{
	static const char motd[] = "Tessera POSIX test system\n";
	char buf[64];
	int fd = open("/etc/motd", O_RDONLY, 0);
	EXPECT_GE(fd, 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(read(fd, buf, sizeof(buf)), (long)(sizeof(motd) - 1));
	EXPECT_EQ(memcmp(buf, motd, sizeof(motd) - 1), 0);
	EXPECT_EQ(close(fd), 0);
	struct posix_stat st;
	EXPECT_EQ(stat("/etc", &st), 0);
	EXPECT_EQ(st.mode & S_IFMT, S_IFDIR);
}

TEST_CASE(files, open_close_10000_recycles_descriptors)
{
	int files = posix_fs_stat(POSIX_FSS_FILES);
	int first = open("/etc/motd", O_RDONLY, 0);
	EXPECT_GE(first, 0);
	EXPECT_EQ(close(first), 0);
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		int fd = open("/etc/motd", O_RDONLY, 0);
		bad += fd != first;
		bad += close(fd) != 0;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_FILES), files);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_FDS), 0);
}

TEST_CASE(files, pipe_between_two_processes)
{
	int fds[2];
	EXPECT_EQ(pipe(fds), 0);
	int pid = fork();
	if (pid == 0) {
		close(fds[0]);
		/* the parent reads first and is parked until these come */
		int i = 0;
		while (posix_fs_stat(POSIX_FSS_PARKED) != 1 && i++ < 1000)
			sys_yield();
		if (i >= 1000)
			_exit(2);
		_exit(write(fds[1], "ping", 4) == 4 ? 0 : 1);
	}
	EXPECT_GT(pid, 0);
	EXPECT_EQ(close(fds[1]), 0);
	char buf[8] = {0};
	EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 4L);
	EXPECT_EQ(memcmp(buf, "ping", 4), 0);
	/* end of file once the child's write end is gone with it */
	EXPECT_EQ(read(fds[0], buf, sizeof(buf)), 0L);
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	EXPECT_EQ(close(fds[0]), 0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_PARKED), 0);
}

TEST_CASE(files, descriptors_forked_share_the_offset)
{
	int fd = open("/tmp/shared", O_CREAT | O_RDWR, 0644);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(write(fd, "ab", 2), 2L);
	int pid = fork();
	if (pid == 0)
		_exit(write(fd, "cd", 2) == 2 ? 0 : 1);
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	EXPECT_EQ(write(fd, "ef", 2), 2L);
	char buf[8] = {0};
	EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0L);
	EXPECT_EQ(read(fd, buf, sizeof(buf)), 6L);
	EXPECT_EQ(memcmp(buf, "abcdef", 6), 0);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(unlink("/tmp/shared"), 0);
}

TEST_CASE(files, unlink_rename_mkdir_rmdir_chdir)
{
	struct posix_stat st;
	EXPECT_EQ(mkdir("/d", 0755), 0);
	int fd = open("/d/f", O_CREAT | O_WRONLY, 0644);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(rename("/d/f", "/d/g"), 0);
	EXPECT_EQ(stat("/d/f", &st), -1);
	EXPECT_EQ(posix_errno, 2);
	EXPECT_EQ(stat("/d/g", &st), 0);
	EXPECT_EQ(rmdir("/d"), -1);
	EXPECT_EQ(posix_errno, 39);
	EXPECT_EQ(chdir("/d"), 0);
	char cwd[64];
	EXPECT_TRUE(getcwd(cwd, sizeof(cwd)) != 0);
	EXPECT_EQ(strcmp(cwd, "/d"), 0);
	int dfd = opendir(".");
	EXPECT_GE(dfd, 0);
	struct posix_dirent d;
	const char *want[] = {".", "..", "g"};
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(readdir(dfd, &d), 1);
		EXPECT_EQ(strcmp(d.name, want[i]), 0);
	}
	EXPECT_EQ(readdir(dfd, &d), 0);
	EXPECT_EQ(close(dfd), 0);
	EXPECT_EQ(unlink("g"), 0);
	EXPECT_EQ(chdir("/"), 0);
	EXPECT_EQ(rmdir("/d"), 0);
	EXPECT_EQ(stat("/d", &st), -1);
	EXPECT_EQ(posix_errno, 2);
}

/* A process holds ipc to the two servers and nothing else of the
 * container's: no map, thread control, registers or capability control,
 * no ipc to another process. */
TEST_CASE(processes, hold_only_ipc_to_the_servers)
{
	struct sys_ids ids;
	struct cap_info caps[8];
	struct exregs r;
	sys_getid(&ids);
	EXPECT_ERR(sys_map(0x40000000u, 0x60000000u, 1, MAP_ATTR_READ, 0),
		   -E_PERM);
	EXPECT_ERR(sys_unmap(0x10000000u, 1, 0), -E_PERM);
	EXPECT_ERR(
	    sys_thread_create(0, TC_NEW_SPACE, 0, 0x10000000u, 0x7f000000u),
	    -E_PERM);
	EXPECT_ERR(sys_thread_destroy(ids.pager, 0), -E_PERM);
	EXPECT_ERR(sys_exchange_registers(ids.pager, EXREGS_GET, &r), -E_PERM);
	EXPECT_ERR(cap_read(caps, 8), -E_PERM);
	uint32_t me = ids.tid;
	int pid = fork();
	if (pid == 0) {
		struct ipc_msg m = {
		    .tag = IPC_TAG(1, 0, IPC_TYPE_SHORT, IPC_NONBLOCK)};
		/* init is a process: no ipc to it */
		_exit(ipc_send(me, &m) == -E_PERM ? 0 : 1);
	}
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	/* and the servers still answer */
	EXPECT_EQ(getpid(), (int)me);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_PARKED), 0);
}

/* Threads of one process faulting on one page: one page is allocated,
 * whichever comes first; the other finds it (posix/vm's cache). */
static volatile uint32_t go, arrived;
static int touch_page(void *arg)
{
	volatile uint32_t *p = arg;
	arrived++;
	while (!go)
		sys_yield();
	return (int)p[5];
}

TEST_CASE(fault, threads_of_a_process_share_one_page)
{
	char *stacks = mmap(0, 8 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			    POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	char *page = mmap(0, PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			  POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)stacks, (long)MAP_FAILED);
	EXPECT_NE((long)page, (long)MAP_FAILED);
	/* the stacks are touched first, so only the page is new below */
	for (int i = 0; i < 8; i++)
		stacks[i * PG + PG - 64] = 0;
	go = arrived = 0;
	EXPECT_GT(posix_thread_create(touch_page, page, stacks + 4 * PG), 0);
	EXPECT_GT(posix_thread_create(touch_page, page, stacks + 8 * PG), 0);
	while (arrived != 2)
		sys_yield();
	uint32_t before = posix_stat(POSIX_STAT_VM_PAGES);
	go = 1;
	while (posix_stat(POSIX_STAT_NTHREADS) != 1)
		sys_yield();
	/* the zero page for both, and nothing else */
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), before + 1);
	EXPECT_EQ(page[5], 0);
	EXPECT_EQ(munmap(page, PG), 0);
	EXPECT_EQ(munmap(stacks, 8 * PG), 0);
}

TEST_CASE(mmap, mprotect_lowers_and_raises_rights)
{
	char *m = mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
		       POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)m, (long)MAP_FAILED);
	m[0] = 7;
	m[PG] = 8;
	EXPECT_EQ(mprotect(m, PG, POSIX_PROT_READ), 0);
	int pid = fork();
	if (pid == 0) {
		if (m[0] != 7)
			_exit(1);
		m[PG] = 9;		 /* still writable */
		*(volatile char *)m = 1; /* read-only: SIGSEGV */
		_exit(2);
	}
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WTERMSIG(status), POSIX_SIGSEGV);
	EXPECT_EQ(m[0], 7);
	EXPECT_EQ(mprotect(m, PG, POSIX_PROT_READ | POSIX_PROT_WRITE), 0);
	m[0] = 10;
	EXPECT_EQ(m[0] + m[PG], 18);
	/* the thread slots are the server's to keep mapped */
	EXPECT_EQ(mprotect((void *)0x7f800000u, PG, POSIX_PROT_READ), -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ(munmap((void *)0x7f800000u, PG), -1);
	EXPECT_EQ(munmap(m, 2 * PG), 0);
}

TEST_CASE(files, pipe_full_parks_writer_nonblock_and_epipe)
{
	static char big[4096];
	char small[100];
	int fds[2];
	memset(big, 'x', sizeof(big));
	memset(small, 'y', sizeof(small));
	/* O_NONBLOCK: EAGAIN instead of parking */
	EXPECT_EQ(pipe2(fds, O_NONBLOCK), 0);
	EXPECT_EQ(read(fds[0], small, 1), -1L);
	EXPECT_EQ(posix_errno, POSIX_EAGAIN);
	EXPECT_EQ(write(fds[1], big, sizeof(big)), 4096L);
	EXPECT_EQ(write(fds[1], small, 1), -1L);
	EXPECT_EQ(posix_errno, POSIX_EAGAIN);
	EXPECT_EQ(close(fds[0]), 0);
	EXPECT_EQ(close(fds[1]), 0);
	/* a full pipe parks its writer until the reader makes room */
	EXPECT_EQ(pipe(fds), 0);
	EXPECT_EQ(write(fds[1], big, sizeof(big)), 4096L);
	int pid = fork();
	if (pid == 0)
		_exit(write(fds[1], small, sizeof(small)) == 100 ? 0 : 1);
	int i = 0;
	while (posix_fs_stat(POSIX_FSS_PARKED) != 1 && i++ < 1000)
		sys_yield();
	EXPECT_LT(i, 1000);
	EXPECT_EQ(read(fds[0], big, sizeof(big)), 4096L);
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	EXPECT_EQ(read(fds[0], small, sizeof(small)), 100L);
	EXPECT_EQ(small[99], 'y');
	/* no reader left: EPIPE */
	EXPECT_EQ(close(fds[0]), 0);
	EXPECT_EQ(write(fds[1], small, 1), -1L);
	EXPECT_EQ(posix_errno, 32);
	EXPECT_EQ(close(fds[1]), 0);
}

/* A child that touches more pages than the pool holds: the fault that
 * finds no page ends it with SIGKILL, and everything comes back. */
static int exhaust(void)
{
	uint32_t len = 6u << 20; /* more than the server's 4 MiB pool */
	volatile char *m = mmap(0, len, POSIX_PROT_READ | POSIX_PROT_WRITE,
				POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	for (uint32_t off = 0; off < len; off += PG)
		m[off] = 1;
	return 2;
}

static int run_exhaust(void)
{
	int status = -1, pid = fork();
	if (pid == 0)
		_exit(exhaust());
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST_CASE(memory, exhaustion_ends_the_process_with_sigkill)
{
	uint32_t before[8], after[8];
	EXPECT_EQ(run_exhaust(), POSIX_SIGKILL); /* warms the image cache */
	take_stats(before);
	EXPECT_EQ(run_exhaust(), POSIX_SIGKILL);
	take_stats(after);
	for (uint32_t i = 0; i < 7; i++)
		EXPECT_EQ(after[i], before[i]);
	/* and the servers still serve */
	int pid = fork();
	if (pid == 0)
		_exit(5);
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 5);
}

/* ---- exec: programs of containers/posix/bin/, built against newlib */

static char *const no_env[] = {0};

/* A child that execs path with argv and envp; its wait status, or -1. */
static int run(const char *path, char *const argv[], char *const envp[])
{
	int pid = fork(), status = -1;
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(99); /* exec failed */
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST_CASE(exec, runs_a_newlib_program_with_args_and_env)
{
	char *const argv[] = {"args", "one", "two words", 0};
	char *const envp[] = {"GREETING=hello tessera", "X=1", 0};
	int status = run("/bin/args", argv, envp);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 3); /* argc */
	/* relative to the working directory, no environment */
	EXPECT_EQ(chdir("/bin"), 0);
	char *const argv1[] = {"./args", 0};
	status = run("args", argv1, no_env);
	EXPECT_EQ(chdir("/"), 0);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 1);
}

TEST_CASE(exec, newlib_malloc_string_stdio_files)
{
	char *const argv[] = {"files", 0};
	int status = run("/bin/files", argv, no_env);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
}

/* The layer's memory, shm, clone, process, pipe and directory calls from
 * a newlib program, with their errno (containers/posix/bin/libcalls). */
TEST_CASE(exec, newlib_mmap_shm_clone_pipe_directory_calls)
{
	char *const argv[] = {"libcalls", 0};
	uint32_t pages = posix_stat(POSIX_STAT_FREE_PAGES);
	int status = run("/bin/libcalls", argv, no_env);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0); /* failed checks */
	/* its mappings, segment and file gone with it (the program file
	 * read by exec is not cached) */
	EXPECT_EQ(posix_stat(POSIX_STAT_FREE_PAGES), pages);
}

TEST_CASE(exec, missing_file_enoent_directory_eacces)
{
	char *const argv[] = {"nope", 0};
	uint32_t pages0 = posix_stat(POSIX_STAT_VM_PAGES);
	EXPECT_EQ(execve("/bin/nope", argv, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_ENOENT);
	EXPECT_EQ(execve("/bin", argv, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_EACCES);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0);
}

TEST_CASE(exec, non_elf_file_enoexec)
{
	char *const argv[] = {"motd", 0};
	EXPECT_EQ(execve("/etc/motd", argv, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_ENOEXEC);
	/* an empty file too */
	int fd = open("/tmp/empty", O_CREAT | O_WRONLY, 0755);
	EXPECT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(execve("/tmp/empty", argv, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_ENOEXEC);
	EXPECT_EQ(unlink("/tmp/empty"), 0);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Writes n bytes of elf, with one 32-bit word at off replaced by v (off
 * < 0: none), to /tmp/bad and execs it: the errno, 0 if exec returned
 * nothing (it cannot: the process would be gone). */
static int exec_variant(const uint8_t *elf, uint32_t n, int off, uint32_t v)
{
	static uint8_t copy[40000];
	memcpy(copy, elf, n);
	if (off >= 0)
		put32(copy + off, v);
	int fd = open("/tmp/bad", O_CREAT | O_TRUNC | O_WRONLY, 0755);
	if (fd < 0 || write(fd, copy, n) != (long)n)
		return -1;
	close(fd);
	char *const argv[] = {"bad", 0};
	posix_errno = 0;
	if (execve("/tmp/bad", argv, no_env) != -1)
		return -2;
	return posix_errno;
}

TEST_CASE(exec, corrupt_elf_enoexec_and_the_process_goes_on)
{
	static uint8_t elf[40000];
	volatile uint32_t canary = 0x5a5a1234; /* a stack page */
	pages[2][9] = 77;		       /* an image page */
	int fd = open("/bin/args", O_RDONLY, 0);
	EXPECT_GE(fd, 0);
	long n = read(fd, elf, sizeof(elf));
	close(fd);
	EXPECT_GT(n, 1000);
	EXPECT_LT(n, (long)sizeof(elf));
	uint32_t phoff = get32(elf + 28), phnum = elf[44] | elf[45] << 8;
	int load[2], nl = 0;
	for (uint32_t i = 0; i < phnum && nl < 2; i++)
		if (get32(elf + phoff + i * 32) == 1)
			load[nl++] = (int)(phoff + i * 32);
	EXPECT_EQ(nl, 2);
	uint32_t before[8];
	/* bad magic (first, so the pages of the test's own buffer are
	 * counted before the counters are taken) */
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 0, 0x464c457e), POSIX_ENOEXEC);
	take_stats(before);
	/* truncated: part of the header, the header only, the first
	 * segment cut, the second one cut */
	EXPECT_EQ(exec_variant(elf, 40, -1, 0), POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, 52, -1, 0), POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, 5000, -1, 0), POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, get32(elf + load[1] + 4) + 8, -1, 0),
		  POSIX_ENOEXEC);
	/* class (64-bit), machine, type */
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 4, 0x00010102), POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 16, 0x00030002),
		  POSIX_ENOEXEC); /* EM_386 */
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 16, 0x00280003),
		  POSIX_ENOEXEC); /* ET_DYN */
	/* program headers: too many, out of the file, wrong size */
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 44, 0x00200200 | 1000),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 28, 0xfffffff0),
		  POSIX_ENOEXEC);
	/* a segment: past the file's end, wrapping, filesz > memsz, in the
	 * stack and thread slots, at page 0, overlapping the other, the
	 * entry outside the executable one */
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[1] + 4, 0x100000),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[1] + 16, 0xfffffff0),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[1] + 20, 4),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[0] + 8, 0x7efff000),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[1] + 8, 0x7f800000),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[0] + 8, 0),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, load[1] + 8,
			       get32(elf + load[0] + 8) + 0x1000),
		  POSIX_ENOEXEC);
	EXPECT_EQ(exec_variant(elf, (uint32_t)n, 24, 0x40000000),
		  POSIX_ENOEXEC);
	/* nothing changed: memory, the counters, and the program still runs */
	EXPECT_EQ(canary, 0x5a5a1234u);
	EXPECT_EQ(pages[2][9], 77u);
	uint32_t after[8];
	take_stats(after);
	EXPECT_EQ(after[POSIX_STAT_VM_PAGES], before[POSIX_STAT_VM_PAGES]);
	EXPECT_EQ(after[POSIX_STAT_FREE_PAGES], before[POSIX_STAT_FREE_PAGES]);
	EXPECT_EQ(unlink("/tmp/bad"), 0);
	char *const argv[] = {"args", "again", 0};
	EXPECT_EQ(POSIX_WEXITSTATUS(run("/bin/args", argv, no_env)), 2);
}

/* POSIX_EXEC as a process could send it, whatever the client library
 * checks: the buffer holds "/bin/args\0" then fill bytes. */
static int raw_exec(uint32_t argc, uint32_t envc, uint32_t len, char fill)
{
	char *buf = (char *)utcb_self() + 4096;
	memset(buf, fill, 4096);
	memcpy(buf, "/bin/args", 10);
	struct sys_ids ids;
	sys_getid(&ids);
	struct ipc_msg m = {.tag = IPC_TAG(POSIX_EXEC, 0, IPC_TYPE_SHORT, 0),
			    .mr = {argc, envc, len}};
	if (ipc_call(ids.pager, &m))
		return 1;
	return (int)m.mr[0];
}

TEST_CASE(exec, argv_too_long_e2big)
{
	/* counts that would wrap, lengths past the page, strings missing or
	 * not terminated: refused, nothing run */
	EXPECT_EQ(raw_exec(1, 0xffffffffu, 10, 0), -POSIX_E2BIG);
	EXPECT_EQ(raw_exec(0xffffffffu, 1, 10, 0), -POSIX_E2BIG);
	EXPECT_EQ(raw_exec(0, 0, 4097, 0), -POSIX_EINVAL);
	EXPECT_EQ(raw_exec(0, 0, 0, 0), -POSIX_EINVAL);
	EXPECT_EQ(raw_exec(1, 0, 10, 0), -POSIX_EINVAL);
	EXPECT_EQ(raw_exec(0, 0, 11, 0), -POSIX_EINVAL);
	EXPECT_EQ(raw_exec(1, 0, 4096, 'a'), -POSIX_EINVAL);

	static char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	char *const argv[] = {"args", big, 0};
	EXPECT_EQ(execve("/bin/args", argv, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_E2BIG);
	/* fits the page, but more strings than the server takes */
	static char *many[EXEC_TEST_MANY + 1];
	for (int i = 0; i < EXEC_TEST_MANY; i++)
		many[i] = "x";
	EXPECT_EQ(execve("/bin/args", many, no_env), -1);
	EXPECT_EQ(posix_errno, POSIX_E2BIG);
	/* just within both (127 arguments and one variable: 128 strings):
	 * it runs */
	many[127] = 0;
	char *const env1[] = {"GREETING=edge", 0};
	int status = run("/bin/args", many, env1);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 127);
}

static volatile int hold_thread;

static int held(void *arg)
{
	(void)arg;
	while (hold_thread)
		sys_yield();
	return 0;
}

/* A child with a second thread: exec is EBUSY while it runs and goes
 * once it has ended. */
static int exec_with_threads(void)
{
	char *stack = sbrk(4 * PG);
	if (stack == (void *)-1)
		return 1;
	hold_thread = 1;
	if (posix_thread_create(held, 0, stack + 4 * PG) <= 0)
		return 2;
	char *const argv[] = {"cloexec", 0};
	if (execve("/bin/cloexec", argv, no_env) != -1 ||
	    posix_errno != POSIX_EBUSY)
		return 3;
	hold_thread = 0;
	while (posix_stat(POSIX_STAT_NTHREADS) != 1)
		sys_yield();
	execve("/bin/cloexec", argv, no_env);
	return 4;
}

TEST_CASE(exec, refused_with_other_threads_ebusy)
{
	int pid = fork(), status = -1;
	if (pid == 0)
		_exit(exec_with_threads());
	EXPECT_GT(pid, 0);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 10); /* cloexec without args */
}

static void itoa10(int v, char *s)
{
	char t[12];
	int n = 0;
	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*s++ = t[--n];
	*s = 0;
}

TEST_CASE(exec, cloexec_descriptor_closed_others_stay)
{
	/* descriptors 0-2 taken first: the C library treats those as the
	 * console when the file server does not know them */
	int low[3];
	for (int i = 0; i < 3; i++)
		low[i] = open("/etc/motd", O_RDONLY, 0);
	int kept = open("/tmp/ce_kept", O_CREAT | O_RDWR, 0644);
	int closed = open("/tmp/ce_closed", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	EXPECT_GE(kept, 0);
	EXPECT_GE(closed, 0);
	EXPECT_EQ(write(kept, "kept", 4), 4);
	char a[12], b[12];
	itoa10(kept, a);
	itoa10(closed, b);
	char *const argv[] = {"cloexec", a, b, 0};
	int status = run("/bin/cloexec", argv, no_env);
	EXPECT_TRUE(POSIX_WIFEXITED(status));
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
	/* swapped: the program sees the difference (it can fail) */
	char *const swapped[] = {"cloexec", b, a, 0};
	EXPECT_EQ(POSIX_WEXITSTATUS(run("/bin/cloexec", swapped, no_env)), 11);
	/* the parent's own descriptors are untouched */
	struct posix_stat st;
	EXPECT_EQ(fstat(kept, &st), 0);
	EXPECT_EQ(fstat(closed, &st), 0);
	EXPECT_GE(kept, 3);
	EXPECT_EQ(close(kept), 0);
	EXPECT_EQ(close(closed), 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(close(low[i]), 0);
	EXPECT_EQ(unlink("/tmp/ce_kept"), 0);
	EXPECT_EQ(unlink("/tmp/ce_closed"), 0);
}

TEST_CASE(exec, fork_exec_wait_loop_leaks_nothing)
{
	char *const argv[] = {"cloexec", 0}; /* exits 10 at once */
	uint32_t before[8], after[8];
	int fs_before[6];
	EXPECT_EQ(POSIX_WEXITSTATUS(run("/bin/cloexec", argv, no_env)), 10);
	take_stats(before);
	for (uint32_t i = 0; i < 6; i++)
		fs_before[i] = posix_fs_stat(i);
	for (int i = 0; i < 25; i++) {
		int status = run("/bin/cloexec", argv, no_env);
		if (POSIX_WEXITSTATUS(status) != 10) {
			EXPECT_EQ(POSIX_WEXITSTATUS(status), 10);
			break;
		}
	}
	take_stats(after);
	for (uint32_t i = 0; i < 7; i++)
		EXPECT_EQ(after[i], before[i]);
	for (uint32_t i = 0; i < 6; i++)
		EXPECT_EQ(posix_fs_stat(i), fs_before[i]);
}

/* ---- System V shm and shared mappings (docs/posix.md, "shm") */
#define SHM_KEY 0x5e6d

/* Two children of init that share nothing but the key: the writer makes
 * the segment, the reader finds it by its key. */
static int shm_writer(void)
{
	int id = shmget(SHM_KEY, 2 * PG,
			POSIX_IPC_CREAT | POSIX_IPC_EXCL | 0600);
	if (id < 0)
		return 1;
	volatile uint32_t *s = shmat(id, 0, 0);
	if (s == (void *)-1)
		return 2;
	s[PG / 4] = 0x1234; /* the second page */
	s[0] = 1;
	while (s[1] != 0x5678)
		sys_yield();
	return shmdt((const void *)s) ? 3 : 0;
}

static int shm_reader(void)
{
	int id;
	while ((id = shmget(SHM_KEY, 0, 0)) < 0) {
		if (posix_errno != POSIX_ENOENT)
			return 1;
		sys_yield();
	}
	volatile uint32_t *s = shmat(id, 0, 0);
	if (s == (void *)-1)
		return 2;
	while (s[0] != 1)
		sys_yield();
	if (s[PG / 4] != 0x1234)
		return 3;
	s[1] = 0x5678;
	return shmdt((const void *)s) ? 4 : 0;
}

TEST_CASE(shm, unrelated_processes_share_a_segment)
{
	int status = -1;
	int r = fork(); /* the reader first: it waits for the key */
	if (r == 0)
		_exit(shm_reader());
	int w = fork();
	if (w == 0)
		_exit(shm_writer());
	EXPECT_GT(r, 0);
	EXPECT_GT(w, 0);
	EXPECT_EQ(waitpid(w, &status, 0), w);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(waitpid(r, &status, 0), r);
	EXPECT_EQ(status, 0);
	/* the segment outlives both, with what they wrote */
	int id = shmget(SHM_KEY, 0, 0);
	EXPECT_GE(id, 0);
	volatile uint32_t *s = shmat(id, 0, POSIX_SHM_RDONLY);
	EXPECT_NE((long)s, -1L);
	EXPECT_EQ(s[PG / 4], 0x1234u);
	EXPECT_EQ(s[1], 0x5678u);
	EXPECT_EQ(shmdt((const void *)s), 0);
	EXPECT_EQ(shmctl(id, POSIX_IPC_RMID, 0), 0);
	EXPECT_EQ(shmget(SHM_KEY, 0, 0), -1);
	EXPECT_EQ(posix_errno, POSIX_ENOENT);
}

TEST_CASE(mmap, shared_anonymous_seen_by_both_sides_after_fork)
{
	volatile uint32_t *m =
	    mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
		 POSIX_MAP_SHARED | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)m, (long)MAP_FAILED);
	m[0] = 7; /* the first page before the fork, the second after */
	int pid = fork();
	if (pid == 0) {
		if (m[0] != 7)
			_exit(1);
		m[PG / 4] = 11;
		m[1] = 1;
		while (m[2] != 2)
			sys_yield();
		_exit(m[0] == 8 ? 0 : 2);
	}
	EXPECT_GT(pid, 0);
	while (m[1] != 1)
		sys_yield();
	EXPECT_EQ(m[PG / 4], 11u); /* the child's write, seen here */
	m[0] = 8;		   /* and this one there */
	m[2] = 2;
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(m[0], 8u);
	EXPECT_EQ(munmap((void *)m, 2 * PG), 0);
}

/* IPC_RMID hides the segment at once; its pages go with the last
 * detach (a fork child's attach counts too). */
TEST_CASE(shm, rmid_frees_after_the_last_detach)
{
	uint32_t pages0 = posix_stat(POSIX_STAT_VM_PAGES);
	uint32_t allocs0 = posix_stat(POSIX_STAT_VM_ALLOCS);
	int id = shmget(POSIX_IPC_PRIVATE, 2 * PG, POSIX_IPC_CREAT | 0600);
	EXPECT_GE(id, 0);
	char *a = shmat(id, 0, 0), *b = shmat(id, 0, 0);
	EXPECT_NE((long)a, -1L);
	EXPECT_NE((long)b, -1L);
	EXPECT_NE((long)a, (long)b);
	a[0] = 1;
	a[PG] = 2;
	EXPECT_EQ(b[0] + b[PG], 3);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0 + 2);
	int pid = fork();
	if (pid == 0) {
		/* the child's attaches came with the fork */
		while (a[5] != 1)
			sys_yield();
		b[6] = 9;
		_exit(0);
	}
	EXPECT_EQ(shmctl(id, POSIX_IPC_RMID, 0), 0);
	a[5] = 1;
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(a[6], 9);
	/* removed: no second RMID, no new attach */
	EXPECT_EQ(shmctl(id, POSIX_IPC_RMID, 0), -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ((long)shmat(id, 0, 0), -1L);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ(shmdt(a), 0);
	EXPECT_EQ(b[PG], 2); /* still there through b */
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0 + 2);
	EXPECT_EQ(shmdt(b), 0);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_ALLOCS), allocs0);
	/* shmdt takes the kernel's mapping at once: a read of the detached
	 * page (mapped before) ends a child with SIGSEGV */
	pid = fork();
	if (pid == 0) {
		int i = shmget(POSIX_IPC_PRIVATE, PG, POSIX_IPC_CREAT | 0600);
		volatile char *c = shmat(i, 0, 0);
		if (i < 0 || c == (void *)-1 || shmctl(i, POSIX_IPC_RMID, 0))
			_exit(1);
		c[0] = 1;
		if (shmdt((const void *)c))
			_exit(2);
		_exit(c[0] + 3);
	}
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, POSIX_SIGSEGV);
}

#define SHM_ERR(call, e)                                                       \
	do {                                                                   \
		EXPECT_EQ((long)(call), -1L);                                  \
		EXPECT_EQ(posix_errno, (e));                                   \
	} while (0)

static int shm_ids[64];

TEST_CASE(shm, every_error)
{
	const int C = POSIX_IPC_CREAT, X = POSIX_IPC_EXCL;
	uint32_t allocs0 = posix_stat(POSIX_STAT_VM_ALLOCS);
	SHM_ERR(shmget(0x77, PG, 0), POSIX_ENOENT);
	SHM_ERR(shmget(0x77, 0, C), POSIX_EINVAL);
	SHM_ERR(shmget(0x77, POSIX_SHM_SEG_MAX + 1, C), POSIX_EINVAL);
	SHM_ERR(shmget(0x77, PG, C | 0x40000), POSIX_EINVAL);
	int id = shmget(0x77, PG, C | X | 0600);
	EXPECT_GE(id, 0);
	SHM_ERR(shmget(0x77, PG, C | X), POSIX_EEXIST);
	EXPECT_EQ(shmget(0x77, PG, C), id);
	EXPECT_EQ(shmget(0x77, 0, 0), id);
	SHM_ERR(shmget(0x77, 2 * PG, 0), POSIX_EINVAL); /* larger */
	SHM_ERR(shmat(-1, 0, 0), POSIX_EINVAL);
	SHM_ERR(shmat(id + 1, 0, 0), POSIX_EINVAL);
	SHM_ERR(shmat(id, (void *)0x50000123, 0), POSIX_EINVAL);
	SHM_ERR(shmat(id, (void *)0x7f800000, 0), POSIX_EINVAL); /* slots */
	SHM_ERR(shmat(id, 0, 0x100), POSIX_EINVAL);
	char *a = shmat(id, 0, 0);
	EXPECT_NE((long)a, -1L);
	SHM_ERR(shmat(id, a, 0), POSIX_EINVAL); /* taken */
	SHM_ERR(shmat(id, a + 5, POSIX_SHM_RND), POSIX_EINVAL);
	SHM_ERR(shmdt(a + PG), POSIX_EINVAL);
	SHM_ERR(shmdt((void *)pages), POSIX_EINVAL); /* not an attach */
	EXPECT_EQ(shmdt(a), 0);
	SHM_ERR(shmdt(a), POSIX_EINVAL);
	SHM_ERR(shmctl(id, 2 /* IPC_STAT */, 0), POSIX_EINVAL);
	SHM_ERR(shmctl(-1, POSIX_IPC_RMID, 0), POSIX_EINVAL);
	EXPECT_EQ(shmctl(id, POSIX_IPC_RMID, 0), 0);
	SHM_ERR(shmget(0x77, 0, 0), POSIX_ENOENT);

	/* the container's shm pages: two segments of the largest size */
	int n = 0;
	while (n < 4 && (shm_ids[n] = shmget(POSIX_IPC_PRIVATE,
					     POSIX_SHM_SEG_MAX, C)) >= 0)
		n++;
	EXPECT_EQ(n, (int)(POSIX_SHM_ALL_PAGES / (POSIX_SHM_SEG_MAX / PG)));
	EXPECT_EQ(posix_errno, POSIX_ENOSPC);
	SHM_ERR(shmget(0x78, PG, C), POSIX_ENOSPC);
	EXPECT_EQ(shmctl(shm_ids[0], POSIX_IPC_RMID, 0), 0);
	int small = shmget(0x78, PG, C);
	EXPECT_GE(small, 0);
	EXPECT_EQ(shmctl(small, POSIX_IPC_RMID, 0), 0);
	for (int i = 1; i < n; i++)
		EXPECT_EQ(shmctl(shm_ids[i], POSIX_IPC_RMID, 0), 0);

	/* the segment table: 64 */
	n = 0;
	while (n < 64 && (shm_ids[n] = shmget(POSIX_IPC_PRIVATE, PG, C)) >= 0)
		n++;
	EXPECT_EQ(n, 64);
	SHM_ERR(shmget(POSIX_IPC_PRIVATE, PG, C), POSIX_ENOSPC);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(shmctl(shm_ids[i], POSIX_IPC_RMID, 0), 0);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_ALLOCS), allocs0);
}

/* ---- clone (docs/posix.md, "clone") */
#define STORM_THREADS 3 /* and the caller: every slot of the space */
#define STORM_ROUNDS  8
#define CLONE_T                                                                \
	(POSIX_CLONE_VM | POSIX_CLONE_THREAD | POSIX_CLONE_SIGHAND |           \
	 POSIX_CLONE_FS | POSIX_CLONE_FILES)

static volatile uint32_t storm_go, storm_ready;
static volatile uint32_t storm_utcb[STORM_THREADS + 1];
static volatile uint32_t storm_tgid[STORM_THREADS + 1];
static volatile uint32_t storm_tid[STORM_THREADS + 1];
static volatile int storm_pid[STORM_THREADS + 1];

static void storm_record(uint32_t i)
{
	struct sys_ids ids;
	sys_getid(&ids);
	storm_tid[i] = ids.tid;
	storm_tgid[i] = ids.tgid;
	storm_pid[i] = getpid();
	storm_utcb[i] = (uint32_t)(uintptr_t)utcb_self();
}

static volatile uint32_t *storm_page;
static int storm_thread(void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	storm_record(i);
	__atomic_fetch_add(&storm_ready, 1, __ATOMIC_SEQ_CST);
	while (!storm_go)
		sys_yield();
	/* all at once on the one new page: a write, then a read */
	storm_page[16 + i] = 100 + i;
	return (int)storm_page[i];
}

TEST_CASE(clone, storm_of_threads_faulting_on_one_page)
{
	uint32_t before[8], after[8];
	char *stacks = mmap(0, 2 * STORM_THREADS * PG,
			    POSIX_PROT_READ | POSIX_PROT_WRITE,
			    POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1, 0);
	EXPECT_NE((long)stacks, (long)MAP_FAILED);
	memset(stacks, 0, 2 * STORM_THREADS * PG); /* no stack faults */
	/* a first round warms the thread slots' pages */
	for (int round = 0; round <= STORM_ROUNDS; round++) {
		if (round == 1)
			take_stats(before);
		storm_page = mmap(0, PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
				  POSIX_MAP_PRIVATE | POSIX_MAP_ANONYMOUS, -1,
				  0);
		EXPECT_NE((long)storm_page, (long)MAP_FAILED);
		storm_go = storm_ready = 0;
		storm_record(STORM_THREADS);
		for (uint32_t i = 0; i < STORM_THREADS; i++)
			EXPECT_GT(posix_clone(storm_thread,
					      stacks + 2 * (i + 1) * PG,
					      CLONE_T, (void *)(uintptr_t)i),
				  0);
		while (storm_ready != STORM_THREADS)
			sys_yield();
		/* with several cores online the server spreads the threads:
		 * three made one after the other are on as many cores */
		uint32_t online = 0;
		for (uint32_t m = sys_cpus_online(); m; m &= m - 1)
			online++;
		EXPECT_GE(posix_stat(POSIX_STAT_CORES),
			  online < STORM_THREADS ? online : STORM_THREADS);
		uint32_t pages = posix_stat(POSIX_STAT_VM_PAGES);
		storm_go = 1;
		storm_page[16 + STORM_THREADS] = 100 + STORM_THREADS;
		while (posix_stat(POSIX_STAT_NTHREADS) != 1)
			sys_yield();
		/* the page once, whoever came first; the others found it */
		EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages + 1);
		for (uint32_t i = 0; i <= STORM_THREADS; i++) {
			EXPECT_EQ(storm_page[16 + i], 100 + i);
			/* one group: the caller's tgid and pid, own tids */
			EXPECT_EQ(storm_tgid[i], storm_tgid[STORM_THREADS]);
			EXPECT_EQ(storm_pid[i], getpid());
			for (uint32_t k = 0; k < i; k++) {
				EXPECT_NE(storm_tid[i], storm_tid[k]);
				EXPECT_NE(storm_utcb[i], storm_utcb[k]);
			}
		}
		EXPECT_EQ(storm_tgid[STORM_THREADS], (uint32_t)getpid());
		EXPECT_EQ(munmap((void *)storm_page, PG), 0);
	}
	take_stats(after);
	/* threads, spaces, page tables, pages and blocks as before */
	for (uint32_t i = 0; i < 7; i++)
		EXPECT_EQ(after[i], before[i]);
	EXPECT_EQ(munmap(stacks, 2 * STORM_THREADS * PG), 0);
}

/* A process of its own in the caller's space (no CLONE_THREAD). */
static volatile uint32_t clone_word;
static volatile int clone_stop;
static volatile int clone_seen_pid, clone_seen_ppid, clone_seen_tgid;
static int clone_process(void *arg)
{
	struct sys_ids ids;
	sys_getid(&ids);
	clone_seen_pid = getpid();
	clone_seen_ppid = getppid();
	clone_seen_tgid = (int)ids.tgid;
	clone_word = (uint32_t)(uintptr_t)arg; /* the same memory */
	while (clone_word != 0xdead)
		sys_yield();
	return 5;
}

static int clone_spin(void *arg)
{
	(void)arg;
	while (!clone_stop)
		sys_yield();
	return 0;
}

static int clone_exit_group(void *arg)
{
	(void)arg;
	_exit(7); /* the whole group, not only this thread */
}

static char clone_stack[3][2 * PG] __attribute__((aligned(8)));

/* In a child of init: CLONE_PARENT makes a sibling that init waits for. */
static int clone_parent_child(void)
{
	int t = posix_clone(clone_process, clone_stack[0] + 2 * PG,
			    POSIX_CLONE_VM | POSIX_CLONE_PARENT, (void *)9);
	if (t <= 0)
		return 1;
	while (clone_word != 9)
		sys_yield();
	if (clone_seen_ppid != getppid() || clone_seen_pid != t ||
	    clone_seen_tgid != t)
		return 2;
	if (waitpid(t, 0, POSIX_WNOHANG) != -1 || posix_errno != POSIX_ECHILD)
		return 3; /* not this process's child */
	char *const argv[] = {"args", 0};
	if (execve("/bin/args", argv, no_env) != -1 ||
	    posix_errno != POSIX_EBUSY)
		return 4; /* the space is the clone's too */
	clone_word = 0xdead;
	return 0;
}

static int clone_group_child(void)
{
	if (posix_clone(clone_spin, clone_stack[1] + 2 * PG, CLONE_T, 0) <= 0)
		return 1;
	if (posix_clone(clone_exit_group, clone_stack[2] + 2 * PG, CLONE_T,
			0) <= 0)
		return 2;
	for (;;)
		sys_yield();
}

/* In a child of init: CLONE_THREAD threads are no children to wait for,
 * and fill the space's four slots. */
static int clone_thread_child(void)
{
	int me = getpid();
	int th = posix_clone(clone_spin, clone_stack[1] + 2 * PG, CLONE_T, 0);
	if (th <= 0 || th == me)
		return 1;
	if (waitpid(th, 0, POSIX_WNOHANG) != -1 || posix_errno != POSIX_ECHILD)
		return 2;
	if (posix_stat(POSIX_STAT_NTHREADS) != 2)
		return 3;
	if (posix_clone(clone_spin, clone_stack[2] + 2 * PG, CLONE_T, 0) <= 0 ||
	    posix_clone(clone_spin, clone_stack[0] + 2 * PG, CLONE_T, 0) <= 0)
		return 4;
	if (posix_clone(clone_spin, clone_stack[0] + PG, CLONE_T, 0) != -1 ||
	    posix_errno != POSIX_EAGAIN)
		return 5;
	return 0; /* _exit ends the three spinning threads with it */
}

TEST_CASE(clone, tgid_parent_wait_and_exit_group)
{
	uint32_t before[8], after[8];
	int status = -1, me = getpid();
	take_stats(before);
	/* without CLONE_THREAD: a process of its own, same memory */
	clone_word = 0;
	int t = posix_clone(clone_process, clone_stack[0] + 2 * PG,
			    POSIX_CLONE_VM | 17 /* SIGCHLD */, (void *)3);
	EXPECT_GT(t, 0);
	while (clone_word != 3)
		sys_yield();
	EXPECT_EQ(clone_seen_pid, t);
	EXPECT_EQ(clone_seen_tgid, t);
	EXPECT_EQ(clone_seen_ppid, me);
	EXPECT_EQ(waitpid(t, &status, POSIX_WNOHANG), 0);
	clone_word = 0xdead;
	EXPECT_EQ(waitpid(t, &status, 0), t);
	EXPECT_EQ(status, 5 << 8);
	/* CLONE_THREAD threads in a child (its exit ends them) */
	int c = fork();
	if (c == 0)
		_exit(clone_thread_child());
	EXPECT_EQ(waitpid(c, &status, 0), c);
	EXPECT_EQ(status, 0);
	/* CLONE_PARENT: a sibling of a child, waited for by init */
	clone_word = 0;
	c = fork();
	if (c == 0)
		_exit(clone_parent_child());
	EXPECT_EQ(waitpid(c, &status, 0), c);
	EXPECT_EQ(status, 0);
	int s = waitpid(-1, &status, 0);
	EXPECT_GT(s, 0);
	EXPECT_NE(s, c);
	EXPECT_EQ(status, 5 << 8);
	/* a thread's _exit ends its whole group */
	c = fork();
	if (c == 0)
		_exit(clone_group_child());
	EXPECT_EQ(waitpid(c, &status, 0), c);
	EXPECT_EQ(status, 7 << 8);
	/* refused: a space of its own (fork's), descriptors shared without
	 * a group, init's parent, unknown flags */
	EXPECT_EQ(posix_clone(clone_spin, clone_stack[2] + 2 * PG, 0, 0), -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ(posix_clone(clone_spin, clone_stack[2] + 2 * PG,
			      POSIX_CLONE_VM | POSIX_CLONE_FILES, 0),
		  -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ(posix_clone(clone_spin, clone_stack[2] + 2 * PG,
			      POSIX_CLONE_VM | POSIX_CLONE_PARENT, 0),
		  -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	EXPECT_EQ(posix_clone(clone_spin, clone_stack[2] + 2 * PG,
			      CLONE_T | 0x1000000, 0),
		  -1);
	EXPECT_EQ(posix_errno, POSIX_EINVAL);
	take_stats(after);
	EXPECT_EQ(after[POSIX_STAT_PROCS], before[POSIX_STAT_PROCS]);
	EXPECT_EQ(after[POSIX_STAT_THREADS], before[POSIX_STAT_THREADS]);
	EXPECT_EQ(after[POSIX_STAT_SPACES], before[POSIX_STAT_SPACES]);
	EXPECT_EQ(after[POSIX_STAT_PTPAGES], before[POSIX_STAT_PTPAGES]);
}

/* ---- file mappings (docs/posix.md, "File mappings") */
#define MF_SIZE 6000u /* a page and a part */

static uint8_t mf_byte(uint32_t i)
{
	return (uint8_t)((i * 7u) ^ 0x5a);
}

static uint8_t mf_buf[2 * PG];

/* path made MF_SIZE bytes of mf_byte, opened with flags */
static int mf_file(const char *path, int flags)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		return -1;
	for (uint32_t i = 0; i < MF_SIZE; i++)
		mf_buf[i] = mf_byte(i);
	if (write(fd, mf_buf, MF_SIZE) != (long)MF_SIZE)
		return -1;
	close(fd);
	return open(path, flags, 0);
}

static int mf_sigbus_child(int fd)
{
	volatile uint8_t *m = mmap(0, 3 * PG, POSIX_PROT_READ,
				   POSIX_MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	if (m[PG] != mf_byte(PG) || m[2 * PG - 1] != 0)
		return 2;
	return m[2 * PG] + 3; /* wholly past the end: SIGBUS */
}

TEST_CASE(mmap, file_private_reads_the_file_writes_stay_private)
{
	int inodes0 = posix_fs_stat(POSIX_FSS_INODES);
	int fd = mf_file("/tmp/mf1", O_RDWR);
	EXPECT_GE(fd, 0);
	/* (mf_buf's pages are in now) */
	uint32_t pages0 = posix_stat(POSIX_STAT_VM_PAGES);
	uint8_t *m = mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			  POSIX_MAP_PRIVATE, fd, 0);
	EXPECT_NE((long)m, (long)MAP_FAILED);
	int bad = 0;
	for (uint32_t i = 0; i < MF_SIZE; i++)
		bad += m[i] != mf_byte(i);
	for (uint32_t i = MF_SIZE; i < 2 * PG; i++)
		bad += m[i] != 0; /* past the end of the file: zero */
	EXPECT_EQ(bad, 0);
	m[10] = 'X';
	m[PG + 1] = 'Y';
	EXPECT_EQ(m[10], 'X');
	/* at an offset */
	uint8_t *o = mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, fd, PG);
	EXPECT_NE((long)o, (long)MAP_FAILED);
	EXPECT_EQ(o[0], mf_byte(PG));
	EXPECT_EQ(o[1], mf_byte(PG + 1)); /* not m's private 'Y' */
	EXPECT_EQ(munmap(o, PG), 0);
	EXPECT_EQ(munmap(m, 2 * PG), 0);
	/* the file kept its bytes */
	EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(read(fd, mf_buf, 2 * PG), (long)MF_SIZE);
	EXPECT_EQ(mf_buf[10], mf_byte(10));
	EXPECT_EQ(mf_buf[PG + 1], mf_byte(PG + 1));
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, fd, 100),
		POSIX_EINVAL);
	/* every page back (checked before forking: a child warms the
	 * image's page cache) */
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0);
	/* a page wholly past the end: SIGBUS */
	int pid = fork();
	if (pid == 0)
		_exit(mf_sigbus_child(fd));
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, POSIX_SIGBUS);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(unlink("/tmp/mf1"), 0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_INODES), inodes0);
}

/* A child's shared writable mapping of the file: c written at `at`; 0,
 * or 1 when the mapping failed. */
static int mf_write_shared(int fd, uint32_t at, uint8_t c)
{
	uint8_t *m = mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			  POSIX_MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 1;
	m[at] = c;
	return 0;
}

static int mf_shared_child(int fd, uint32_t at)
{
	return mf_write_shared(fd, at, 'E'); /* exit writes it back */
}

/* A process that execs with a shared writable mapping of a file: written
 * back at the exec, before the new program runs. */
static int mf_exec_child(int fd, uint32_t at)
{
	if (mf_write_shared(fd, at, 'X'))
		return 1;
	char *const argv[] = {"args", 0};
	execve("/bin/args", argv, no_env);
	return 2;
}

TEST_CASE(mmap, file_shared_written_back_at_exec)
{
	int fd = mf_file("/tmp/mf3", O_RDWR);
	EXPECT_GE(fd, 0);
	int status = -1, pid = fork();
	if (pid == 0)
		_exit(mf_exec_child(fd, PG + 9));
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 1); /* args: argc */
	EXPECT_EQ(lseek(fd, PG + 8, SEEK_SET), (long)(PG + 8));
	EXPECT_EQ(read(fd, mf_buf, 3), 3);
	EXPECT_EQ(mf_buf[0], mf_byte(PG + 8));
	EXPECT_EQ(mf_buf[1], 'X');
	EXPECT_EQ(mf_buf[2], mf_byte(PG + 10));
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(unlink("/tmp/mf3"), 0);
}

TEST_CASE(mmap, file_shared_written_back_on_munmap_msync_exit)
{
	int inodes0 = posix_fs_stat(POSIX_FSS_INODES);
	struct posix_stat st;
	int fd = mf_file("/tmp/mf2", O_RDWR);
	EXPECT_GE(fd, 0);
	uint32_t pages0 = posix_stat(POSIX_STAT_VM_PAGES);
	uint8_t *m = mmap(0, 2 * PG, POSIX_PROT_READ | POSIX_PROT_WRITE,
			  POSIX_MAP_SHARED, fd, 0);
	EXPECT_NE((long)m, (long)MAP_FAILED);
	EXPECT_EQ(m[PG + 3], mf_byte(PG + 3));
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages0 + 1);
	m[0] = 'S';
	m[PG + 1] = 'T';
	m[MF_SIZE + 5] = 'Z'; /* past the end: not in the file */
	/* a fork child's writes reach the same pages */
	int pid = fork();
	if (pid == 0) {
		m[2] = 'C';
		_exit(m[0] == 'S' ? 0 : 1);
	}
	int status = -1;
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(m[2], 'C');
	/* the mapping's two pages, and the child's gone with it */
	uint32_t pages_forked = posix_stat(POSIX_STAT_VM_PAGES);
	/* msync: read() sees them */
	EXPECT_EQ(msync(m, 2 * PG, 0), 0);
	EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(read(fd, mf_buf, 4), 4);
	EXPECT_EQ(mf_buf[0], 'S');
	EXPECT_EQ(mf_buf[2], 'C');
	m[3] = 'M';
	EXPECT_EQ(munmap(m, 2 * PG), 0);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_PAGES), pages_forked - 2);
	EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(read(fd, mf_buf, 2 * PG), (long)MF_SIZE); /* not grown */
	EXPECT_EQ(mf_buf[3], 'M');
	EXPECT_EQ(mf_buf[PG + 1], 'T');
	EXPECT_EQ(mf_buf[PG + 3], mf_byte(PG + 3));
	/* a process that ends with its mapping: written back at exit */
	pid = fork();
	if (pid == 0)
		_exit(mf_shared_child(fd, 7));
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(lseek(fd, 7, SEEK_SET), 7);
	EXPECT_EQ(read(fd, mf_buf, 1), 1);
	EXPECT_EQ(mf_buf[0], 'E');
	EXPECT_EQ(fstat(fd, &st), 0);
	EXPECT_EQ(st.size, MF_SIZE);
	EXPECT_EQ(close(fd), 0);
	EXPECT_EQ(unlink("/tmp/mf2"), 0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_INODES), inodes0);
}

TEST_CASE(mmap, file_refused_directory_write_only_bad_fd)
{
	uint32_t allocs0 = posix_stat(POSIX_STAT_VM_ALLOCS);
	int inodes0 = posix_fs_stat(POSIX_FSS_INODES);
	int files0 = posix_fs_stat(POSIX_FSS_FILES);
	const int RW = POSIX_PROT_READ | POSIX_PROT_WRITE;
	int d = opendir("/tmp");
	EXPECT_GE(d, 0);
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, d, 0),
		POSIX_ENODEV);
	EXPECT_EQ(close(d), 0);
	int fds[2];
	EXPECT_EQ(pipe(fds), 0);
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_SHARED, fds[0], 0),
		POSIX_ENODEV);
	EXPECT_EQ(close(fds[0]), 0);
	EXPECT_EQ(close(fds[1]), 0);
	int w = mf_file("/tmp/mf3", O_WRONLY);
	EXPECT_GE(w, 0);
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, w, 0),
		POSIX_EACCES);
	EXPECT_EQ(close(w), 0);
	int r = open("/tmp/mf3", O_RDONLY, 0);
	EXPECT_GE(r, 0);
	SHM_ERR(mmap(0, PG, RW, POSIX_MAP_SHARED, r, 0), POSIX_EACCES);
	/* read-only shared, or private copy-on-write: fine */
	uint8_t *s = mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_SHARED, r, 0);
	EXPECT_NE((long)s, (long)MAP_FAILED);
	EXPECT_EQ(s[1], mf_byte(1));
	SHM_ERR(mprotect(s, PG, RW), POSIX_EACCES); /* never writable */
	EXPECT_EQ(munmap(s, PG), 0);
	uint8_t *p = mmap(0, PG, RW, POSIX_MAP_PRIVATE, r, 0);
	EXPECT_NE((long)p, (long)MAP_FAILED);
	p[1] = 1;
	EXPECT_EQ(munmap(p, PG), 0);
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, 40, 0),
		POSIX_EBADF);
	SHM_ERR(mmap(0, PG, POSIX_PROT_READ, POSIX_MAP_PRIVATE, -1, 0),
		POSIX_EBADF);
	SHM_ERR(mmap(0, 0, POSIX_PROT_READ, POSIX_MAP_PRIVATE, r, 0),
		POSIX_EINVAL);
	EXPECT_EQ(close(r), 0);
	EXPECT_EQ(unlink("/tmp/mf3"), 0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_INODES), inodes0);
	EXPECT_EQ(posix_fs_stat(POSIX_FSS_FILES), files0);
	EXPECT_EQ(posix_stat(POSIX_STAT_VM_ALLOCS), allocs0);
}

/* ---- channels to other containers (configs/posix_test.toml: echo) */

/* A call to echo (tid) with label and MR0; the answer's MR0, MR1 in *r1,
 * or the ipc error as MR0 with *r1 = 0xffffffff. */
static uint32_t echo_call(int tid, uint32_t label, uint32_t a0, uint32_t *r1)
{
	struct ipc_msg m = {.tag = IPC_TAG(label, 1, IPC_TYPE_SHORT, 0),
			    .mr = {a0}};
	int err = ipc_call((uint32_t)tid, &m);
	if (r1)
		*r1 = err ? 0xffffffffu : m.mr[1];
	return err ? (uint32_t)err : m.mr[0];
}

/* In a process: its channel to echo, used; 0 when it works. */
static int reach_echo(uint32_t base)
{
	int echo = channel_lookup("echo");
	if (echo <= 0)
		return 1;
	return echo_call(echo, ECHO_ADD, base, 0) == base + 1 ? 0 : 2;
}

static char chan_stack[2 * PG] __attribute__((aligned(8)));
static volatile int chan_thread_result = -1;

static int chan_thread(void *arg)
{
	chan_thread_result = reach_echo((uint32_t)(uintptr_t)arg);
	for (;;) /* ended with its process */
		sys_yield();
	return 0;
}

/* A forked child: its own channel, and a CLONE_THREAD thread of it using
 * its group's. */
static int chan_child(void)
{
	if (reach_echo(100))
		return 1;
	if (posix_clone(chan_thread, chan_stack + 2 * PG, CLONE_T,
			(void *)200) <= 0)
		return 2;
	while (chan_thread_result < 0)
		sys_yield();
	return chan_thread_result ? 3 : 0;
}

TEST_CASE(channel, granted_one_reaches_its_container_from_every_process)
{
	EXPECT_EQ(posix_stat(POSIX_STAT_CHANNELS), 1u);
	EXPECT_EQ(reach_echo(41), 0); /* init */
	int pid = fork(), status = -1;
	if (pid == 0)
		_exit(chan_child());
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	/* an exec'd program keeps its process's channel */
	char *const argv[] = {"chan", "echo", "7", 0};
	pid = fork();
	if (pid == 0) {
		execve("/bin/chan", argv, no_env);
		_exit(99);
	}
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(POSIX_WEXITSTATUS(status), 0);
}

TEST_CASE(channel, containers_without_a_channel_stay_unreachable)
{
	struct ipc_msg m = {.tag = IPC_TAG(1, 0, IPC_TYPE_SHORT, IPC_NONBLOCK)};
	int echo = channel_lookup("echo");
	EXPECT_GT(echo, 0);
	/* secret: no channel, so no name and no ipc, from init or a child */
	EXPECT_ERR(channel_lookup("secret"), -E_NOENT);
	int secret = (int)echo_call(echo, ECHO_SECRET, 0, 0);
	EXPECT_GT(secret, 0);
	EXPECT_NE(secret, echo);
	EXPECT_ERR(ipc_send((uint32_t)secret, &m), -E_PERM);
	m.tag = IPC_TAG(1, 0, IPC_TYPE_SHORT, 0);
	EXPECT_ERR(ipc_call((uint32_t)secret, &m), -E_PERM);
	int pid = fork(), status = -1;
	if (pid == 0) {
		struct ipc_msg c = {
		    .tag = IPC_TAG(1, 0, IPC_TYPE_SHORT, IPC_NONBLOCK)};
		_exit(ipc_send((uint32_t)secret, &c) == -E_PERM &&
			      channel_lookup("secret") == -E_NOENT
			  ? 0
			  : 1);
	}
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	/* the way back: echo has no channel to this container, so it reaches
	 * neither the server nor a process that is not waiting for its
	 * answer (a child parked in a pipe read) */
	struct sys_ids ids;
	sys_getid(&ids);
	EXPECT_ERR((int)echo_call(echo, ECHO_PROBE, ids.pager, 0), -E_PERM);
	int fds[2];
	EXPECT_EQ(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		char c;
		_exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
	}
	EXPECT_ERR((int)echo_call(echo, ECHO_PROBE, (uint32_t)pid, 0), -E_PERM);
	EXPECT_EQ(write(fds[1], "x", 1), 1L);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	close(fds[0]);
	close(fds[1]);
}

/* Every process thread is a child of the server's resource domain and
 * holds a capability of its own on the channel (a CLONE_THREAD thread
 * too: it does not see its leader's private list); all of it comes back
 * when they end. */
static int hold_child(int fd)
{
	char c;
	if (posix_clone(clone_spin, chan_stack + 2 * PG, CLONE_T, 0) <= 0)
		return 1;
	return read(fd, &c, 1) == 1 ? 0 : 2;
}

TEST_CASE(channel, each_process_holds_its_own_and_gives_it_back)
{
	uint32_t caps0 = posix_stat(POSIX_STAT_CAPS);
	uint32_t out0 = posix_stat(POSIX_STAT_CAPS_OUT);
	uint32_t kids0 = posix_stat(POSIX_STAT_CHILDREN);
	EXPECT_GE(out0, 1u);  /* init's */
	EXPECT_GE(kids0, 1u); /* init's thread */
	int fds[2], status = -1;
	EXPECT_EQ(pipe(fds), 0);
	int pid = fork();
	if (pid == 0)
		_exit(hold_child(fds[0]));
	while (posix_stat(POSIX_STAT_CHILDREN) != kids0 + 2)
		sys_yield(); /* the child and its thread */
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS_OUT), out0 + 2);
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS), caps0 + 2);
	EXPECT_EQ(write(fds[1], "x", 1), 1L);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(status, 0);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(posix_stat(POSIX_STAT_CHILDREN), kids0);
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS_OUT), out0);
	EXPECT_EQ(posix_stat(POSIX_STAT_CAPS), caps0);
}

/* Last: echo ends secret and itself; secret heard from nobody else. */
TEST_CASE(channel, secret_heard_from_nobody_else)
{
	uint32_t others = 0xffffffffu;
	int echo = channel_lookup("echo");
	EXPECT_GT(echo, 0);
	EXPECT_EQ(echo_call(echo, ECHO_DONE, 0, &others), 0u);
	EXPECT_EQ(others, 0u);
}

static const struct test_case posix_cases[] = {
    TEST_ENTRY(cow, parent_and_child_see_own_writes),
    TEST_ENTRY(fork, three_generations),
    TEST_ENTRY(fork, copies_the_forking_thread_by_tid),
    TEST_ENTRY(fault, threads_of_a_process_share_one_page),
    TEST_ENTRY(wait, status_nohang_and_echild),
    TEST_ENTRY(wait, fault_ends_child_with_sigsegv),
    TEST_ENTRY(orphan, reaped_by_init),
    TEST_ENTRY(brk, sbrk_grows_and_shrinks),
    TEST_ENTRY(mmap, anonymous_map_and_unmap),
    TEST_ENTRY(mmap, mprotect_lowers_and_raises_rights),
    TEST_ENTRY(fork, bomb_stops_with_eagain_and_leaks_nothing),
    TEST_ENTRY(memory, exhaustion_ends_the_process_with_sigkill),
    TEST_ENTRY(files, create_write_read_back),
    TEST_ENTRY(files, packed_initial_file),
    TEST_ENTRY(files, open_close_10000_recycles_descriptors),
    TEST_ENTRY(files, pipe_between_two_processes),
    TEST_ENTRY(files, pipe_full_parks_writer_nonblock_and_epipe),
    TEST_ENTRY(files, descriptors_forked_share_the_offset),
    TEST_ENTRY(files, unlink_rename_mkdir_rmdir_chdir),
    TEST_ENTRY(processes, hold_only_ipc_to_the_servers),
    TEST_ENTRY(exec, runs_a_newlib_program_with_args_and_env),
    TEST_ENTRY(exec, newlib_malloc_string_stdio_files),
    TEST_ENTRY(exec, newlib_mmap_shm_clone_pipe_directory_calls),
    TEST_ENTRY(exec, missing_file_enoent_directory_eacces),
    TEST_ENTRY(exec, non_elf_file_enoexec),
    TEST_ENTRY(exec, corrupt_elf_enoexec_and_the_process_goes_on),
    TEST_ENTRY(exec, argv_too_long_e2big),
    TEST_ENTRY(exec, refused_with_other_threads_ebusy),
    TEST_ENTRY(exec, cloexec_descriptor_closed_others_stay),
    TEST_ENTRY(exec, fork_exec_wait_loop_leaks_nothing),
    TEST_ENTRY(shm, unrelated_processes_share_a_segment),
    TEST_ENTRY(mmap, shared_anonymous_seen_by_both_sides_after_fork),
    TEST_ENTRY(shm, rmid_frees_after_the_last_detach),
    TEST_ENTRY(shm, every_error),
    TEST_ENTRY(clone, storm_of_threads_faulting_on_one_page),
    TEST_ENTRY(clone, tgid_parent_wait_and_exit_group),
    TEST_ENTRY(mmap, file_private_reads_the_file_writes_stay_private),
    TEST_ENTRY(mmap, file_shared_written_back_on_munmap_msync_exit),
    TEST_ENTRY(mmap, file_shared_written_back_at_exec),
    TEST_ENTRY(mmap, file_refused_directory_write_only_bad_fd),
    TEST_ENTRY(channel, granted_one_reaches_its_container_from_every_process),
    TEST_ENTRY(channel, containers_without_a_channel_stay_unreachable),
    TEST_ENTRY(channel, each_process_holds_its_own_and_gives_it_back),
    TEST_ENTRY(budgets, back_where_they_started),
    TEST_ENTRY(channel, secret_heard_from_nobody_else),
    TEST_TABLE_END,
};

static const struct test_case *const tables[] = {posix_cases, 0};

/* A file /etc/init in the container's files names a program and its
 * arguments (one line, separated by spaces, at most 7 words): init execs
 * it instead of running the test cases, and the container ends with its
 * status (configs/posix_demo.toml: "/bin/sh /etc/demo.sh"). The test
 * system has no /etc/init. */
static void exec_etc_init(void)
{
	static char line[256];
	char *argv[8];
	int fd = open("/etc/init", O_RDONLY, 0), argc = 0;
	if (fd < 0)
		return;
	long n = read(fd, line, sizeof(line) - 1);
	close(fd);
	line[n > 0 ? n : 0] = 0;
	for (char *p = line; *p && argc < 7;) {
		while (*p == ' ' || *p == '\n')
			*p++ = 0;
		if (*p)
			argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	argv[argc] = 0;
	if (argc)
		execve(argv[0], argv, no_env);
	printf("posix: init cannot run /etc/init (%d)\n", posix_errno);
	_exit(127);
}

void posix_init_main(void)
{
	exec_etc_init();
	take_stats(base_stats);
	base_domain[0] = posix_stat(POSIX_STAT_CAPS);
	base_domain[1] = posix_stat(POSIX_STAT_CHILDREN);
	base_domain[2] = posix_stat(POSIX_STAT_CAPS_OUT);
	for (uint32_t i = 0; i < 6; i++)
		base_fs[i] = posix_fs_stat(i);
	_exit(test_run(tables));
}
