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

#define POSIX_FORK 1 /* -> child pid (parent), 0 (child) */
#define POSIX_EXIT 2 /* MR0 = code; no reply */
#define POSIX_WAITPID                                                          \
	3		/* MR0 = pid or -1, MR1 = options -> pid, MR1 status   \
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
#define POSIX_MPROTECT	    13 /* MR0 = addr, MR1 = len, MR2 = prot -> 0 */
/* MR0 = argc, MR1 = envc, MR2 = len: the caller's ipc buffer holds len
 * bytes, "path\0", argc strings, envc strings. No answer on success (the
 * thread restarts at the program's entry), else -errno and nothing
 * changed (docs/posix.md, "exec"). */
#define POSIX_EXEC	    14
/* System V shm (docs/posix.md, "shm"). Errors: EINVAL, ENOENT, EEXIST,
 * ENOSPC (segment table or the container's shm pages full), ENOMEM. */
#define POSIX_SHMGET 15 /* MR0 key, MR1 size, MR2 flags -> id */
#define POSIX_SHMAT  16 /* MR0 id, MR1 addr (0: anywhere), MR2 flags -> addr */
#define POSIX_SHMDT  17 /* MR0 addr -> 0 */
#define POSIX_SHMCTL 18 /* MR0 id, MR1 cmd (only POSIX_IPC_RMID) -> 0 */
#define POSIX_IPC_PRIVATE 0
#define POSIX_IPC_CREAT	  01000
#define POSIX_IPC_EXCL	  02000
#define POSIX_IPC_RMID	  0
#define POSIX_SHM_RDONLY  010000
#define POSIX_SHM_RND	  020000
/* clone (docs/posix.md, "clone"): MR0 flags, MR1 pc, MR2 sp, MR3 r0 ->
 * the new thread's tid. Always in the caller's space (POSIX_CLONE_VM
 * required: a space of its own is fork). POSIX_CLONE_THREAD: a thread of
 * the caller's group (its tgid, getpid the caller's pid); else a process
 * of its own in the same space (tgid and pid its tid) whose parent is the
 * caller, or the caller's parent with POSIX_CLONE_PARENT, and whose
 * descriptors are a copy (CLONE_FS, CLONE_FILES, CLONE_SIGHAND need
 * CLONE_THREAD). The low byte (exit signal) is accepted and ignored. */
#define POSIX_CLONE	    19
/* mmap of a file (docs/posix.md, "File mappings"): MR0 hint, MR1 len,
 * MR2 prot | (flags & 0xfff) << 4 | fd << 16, MR3 offset -> addr */
#define POSIX_MMAP_FILE 20
#define POSIX_MSYNC	21 /* MR0 addr, MR1 len: shared file pages written */
#define POSIX_CLONE_CSIGNAL 0x000000ffu
#define POSIX_CLONE_VM	    0x00000100u
#define POSIX_CLONE_FS	    0x00000200u
#define POSIX_CLONE_FILES   0x00000400u
#define POSIX_CLONE_SIGHAND 0x00000800u
#define POSIX_CLONE_PARENT  0x00008000u
#define POSIX_CLONE_THREAD  0x00010000u
/* limits: one segment at most POSIX_SHM_SEG_MAX bytes (EINVAL), the
 * segments not removed at most POSIX_SHM_ALL_PAGES pages together and 64
 * in number (ENOSPC) */
#define POSIX_SHM_SEG_MAX   0x100000u
#define POSIX_SHM_ALL_PAGES 512u

/*
 * The file server (a second thread of the server; its tid: POSIX_FS_TID
 * asked of the memory server). Paths and written data travel as an
 * extended message from the caller's ipc buffer (the page after its UTCB);
 * read data, getcwd's path, stat and readdir results come back as an
 * extended message into it. MR0 of the reply: the result or -errno.
 */
#define POSIX_FS_TID  12    /* (memory server) -> the file server's tid */
#define POSIX_OPEN    0x100 /* ext path, MR0 flags, MR1 mode -> fd */
#define POSIX_READ    0x101 /* MR0 fd, MR1 n (<= 4096) -> n, ext data */
#define POSIX_WRITE   0x102 /* MR0 fd, ext data -> n */
#define POSIX_LSEEK   0x103 /* MR0 fd, MR1 offset, MR2 whence -> offset */
#define POSIX_CLOSE   0x104 /* MR0 fd */
#define POSIX_DUP     0x105 /* MR0 fd -> fd */
#define POSIX_DUP2    0x106 /* MR0 fd, MR1 new fd -> new fd */
#define POSIX_PIPE    0x107 /* MR0 flags -> 0, MR1 read fd, MR2 write fd */
#define POSIX_STATP   0x108 /* ext path -> 0, ext struct posix_stat */
#define POSIX_FSTAT   0x109 /* MR0 fd -> 0, ext struct posix_stat */
#define POSIX_UNLINK  0x10a /* ext path */
#define POSIX_RENAME  0x10b /* ext "old\0new\0" */
#define POSIX_MKDIR   0x10c /* ext path, MR0 mode */
#define POSIX_RMDIR   0x10d /* ext path */
#define POSIX_GETCWD  0x10e /* MR0 size -> length, ext path */
#define POSIX_CHDIR   0x10f /* ext path */
#define POSIX_OPENDIR 0x110 /* ext path -> fd */
#define POSIX_READDIR 0x111 /* MR0 fd -> 1 and ext struct posix_dirent, 0 */
#define POSIX_FS_STAT 0x112 /* MR0 POSIX_FSS_* -> the value */

#define POSIX_FSS_FILES	 0 /* open file descriptions */
#define POSIX_FSS_INODES 1 /* live inodes */
#define POSIX_FSS_CHUNKS 2 /* data chunks and pipe buffers */
#define POSIX_FSS_FDS	 3 /* the caller's open descriptors */
#define POSIX_FSS_PROCS	 4 /* descriptor tables */
#define POSIX_FSS_PARKED 5 /* callers parked on pipes */

/* The memory server to the file server (only it may send these). */
#define POSIX_FSM_NEW	      0x180 /* MR0 parent pid (0: none), MR1 pid */
#define POSIX_FSM_THREAD      0x181 /* MR0 tid, MR1 its pid */
#define POSIX_FSM_THREAD_GONE 0x182 /* MR0 tid */
#define POSIX_FSM_EXIT	      0x183 /* MR0 pid */
#define POSIX_FSM_STOP	      0x184 /* end the file server */
/* MR0 pid, MR1 path (the server's address), MR2 struct posix_exec_file *
 * (the server's): the file opened as pid would, read whole into a pool
 * buffer -> 0 or -errno */
#define POSIX_FSM_EXEC_READ 0x185
#define POSIX_FSM_EXEC	    0x186 /* MR0 pid: fdtable_exec */
/* file mappings: the memory server's pager (docs/posix.md) */
#define POSIX_FSM_MMAP	     0x187 /* MR0 pid, MR1 fd, MR2 1: shared write
					-> inode handle, MR1 1: writable */
#define POSIX_FSM_PAGE_READ  0x188 /* MR0 inode, MR1 off, MR2 page (server
					address) -> 0, -EIO past EOF */
#define POSIX_FSM_PAGE_WRITE 0x189 /* MR0 inode, MR1 off, MR2 page: the
					file's bytes there (never grows) */
#define POSIX_FSM_INODE_PUT  0x18a /* MR0 inode: the mapping's reference */

struct posix_stat {
	unsigned ino, mode, nlink, size;
};

struct posix_dirent {
	unsigned ino, mode;
	char name[64];
};

/* POSIX_STAT selectors: what the server holds right now. */
#define POSIX_STAT_PROCS      0 /* process records (zombies included) */
#define POSIX_STAT_VM_PAGES   1 /* pages posix/vm holds (vm_env.nr_pages) */
#define POSIX_STAT_VM_ALLOCS  2 /* blocks posix/vm holds */
#define POSIX_STAT_THREADS    3 /* THREADS budget units used */
#define POSIX_STAT_SPACES     4 /* SPACES budget units used */
#define POSIX_STAT_PTPAGES    5 /* PTPAGES budget units used */
#define POSIX_STAT_FREE_PAGES 6 /* free pages of the server's pool */
#define POSIX_STAT_NTHREADS   7 /* threads of the caller's process */
#define POSIX_STAT_CAPS	      8 /* CAPS budget units used */
#define POSIX_STAT_CHILDREN   9 /* process threads in the server's domain */
#define POSIX_STAT_CAPS_OUT  10 /* capabilities handed to process threads */
#define POSIX_STAT_CHANNELS  11 /* channels each process receives */
#define POSIX_STAT_CORES     12 /* cores the caller's process's threads are on */

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
#define POSIX_ENOENT 2
#define POSIX_EBADF  9
#define POSIX_ENODEV 19
#define POSIX_ESRCH  3
#define POSIX_E2BIG  7
#define POSIX_ENOEXEC 8
#define POSIX_EACCES 13
#define POSIX_EBUSY  16
#define POSIX_ECHILD 10
#define POSIX_EAGAIN 11
#define POSIX_ENOMEM 12
#define POSIX_EFAULT 14
#define POSIX_EEXIST 17
#define POSIX_EINVAL 22
#define POSIX_ENOSPC 28
#define POSIX_ENOSYS 38

#define POSIX_SIGSEGV 11
#define POSIX_SIGBUS  7
#define POSIX_SIGILL  4
#define POSIX_SIGKILL 9

#endif
