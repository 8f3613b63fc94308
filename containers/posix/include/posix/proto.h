/*
 * The POSIX memory server's request protocol (docs/posix.md, "The server
 * as built"). A process calls its pager (the memory server: getid's
 * pager tid) with a short message: label = POSIX_*, MR0-MR3 = arguments.
 * The reply's MR0 is the result (>= 0) or -errno (Linux numbers below);
 * waitpid's MR1 is the status. Only short messages: a process needs no
 * UTCB for these calls.
 */
#ifndef POSIX_PROTO_H
#define POSIX_PROTO_H

#define POSIX_FORK    1 /* -> child pid (parent), 0 (child) */
#define POSIX_EXIT    2 /* MR0 = code; no reply */
#define POSIX_WAITPID 3 /* MR0 = pid or -1, MR1 = options -> pid, MR1 status   \
			 */
#define POSIX_GETPID  4 /* -> pid */
#define POSIX_GETPPID 5 /* -> parent's pid (init's once orphaned) */
#define POSIX_BRK     6 /* MR0 = new break or 0 -> the break */
#define POSIX_MMAP                                                             \
	7 /* MR0 = hint, MR1 = len, MR2 = prot, MR3 = flags -> addr */
#define POSIX_MUNMAP	    8  /* MR0 = addr, MR1 = len -> 0 */
#define POSIX_THREAD_CREATE 9  /* MR0 = pc, MR1 = sp, MR2 = r0 -> tid */
#define POSIX_THREAD_EXIT   10 /* MR0 = code; no reply (last thread: exit) */
#define POSIX_STAT	    11 /* MR0 = POSIX_STAT_* -> the value */

/* POSIX_STAT selectors: what the server holds right now. */
#define POSIX_STAT_PROCS      0 /* process records (zombies included) */
#define POSIX_STAT_VM_PAGES   1 /* pages posix/vm holds (vm_env.nr_pages) */
#define POSIX_STAT_VM_ALLOCS  2 /* blocks posix/vm holds */
#define POSIX_STAT_THREADS    3 /* THREADS budget units used */
#define POSIX_STAT_SPACES     4 /* SPACES budget units used */
#define POSIX_STAT_PTPAGES    5 /* PTPAGES budget units used */
#define POSIX_STAT_FREE_PAGES 6 /* free pages of the server's pool */
#define POSIX_STAT_NTHREADS   7 /* threads of the caller's process */

/* waitpid options and status (as Linux encodes them) */
#define POSIX_WNOHANG	     1
#define POSIX_WIFEXITED(s)   (((s)&0x7f) == 0)
#define POSIX_WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define POSIX_WIFSIGNALED(s) (((s)&0x7f) != 0)
#define POSIX_WTERMSIG(s)    ((s)&0x7f)

/* mmap prot and flags: posix/vm's (Linux's) values */
#define POSIX_PROT_READ	    1
#define POSIX_PROT_WRITE    2
#define POSIX_PROT_EXEC	    4
#define POSIX_MAP_SHARED    0x01
#define POSIX_MAP_PRIVATE   0x02
#define POSIX_MAP_FIXED	    0x10
#define POSIX_MAP_ANONYMOUS 0x20

/* errors (Linux numbers) */
#define POSIX_ESRCH  3
#define POSIX_ECHILD 10
#define POSIX_EAGAIN 11
#define POSIX_ENOMEM 12
#define POSIX_EFAULT 14
#define POSIX_EINVAL 22
#define POSIX_ENOSYS 38

#define POSIX_SIGSEGV 11
#define POSIX_SIGBUS  7
#define POSIX_SIGILL  4
#define POSIX_SIGKILL 9

#endif
