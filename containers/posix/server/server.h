/* The POSIX memory server's internals (docs/posix.md, "The server as
 * built"): its page pool, processes and request handlers. */
#ifndef POSIX_SERVER_H
#define POSIX_SERVER_H

#include <stdint.h>
#include <tessera/sys.h>
#include <vm/env.h>
#include <vm/space.h>

#define PAGE 4096u
/* The pool: the manifest's second memory entry, mapped here. */
#define POOL_VIRT 0x20000000u
#define POOL_SIZE 0x400000u

/* A process's layout (below KIP_ADDRESS; the image sits where the server's
 * program does, at container_region.virt). */
#define PROC_LO		0x1000u
#define PROC_HI		0x7ff00000u
#define PROC_STACK_TOP	0x7f000000u
#define PROC_STACK_SIZE 0x10000u
#define PROC_BRK_BASE	0x40000000u
#define PROC_MMAP_BASE	0x50000000u
/* Thread slot j of a process: its UTCB at the start of page
 * PROC_IO_BASE + 2j * PAGE and its ipc buffer the page after (both kept
 * mapped writable by the server: the kernel copies messages there and
 * raises no fault). */
#define PROC_IO_BASE	0x7f800000u
#define PROC_IO_UTCB(j) (PROC_IO_BASE + (uint32_t)(j)*2u * PAGE)

#define MAX_PROCS   32
#define MAX_THREADS 4 /* per process */
/* exec: at most this many argv and envp strings together (E2BIG), and a
 * program file of at most EXEC_MAX_FILE bytes (ENOMEM) */
#define EXEC_MAX_ARGS 128
#define EXEC_MAX_FILE 0x100000u

enum proc_state { P_FREE, P_LIVE, P_ZOMBIE };

struct proc {
	enum proc_state state;
	uint32_t pid, ppid;
	uint32_t threads[MAX_THREADS]; /* tids, 0: free */
	struct vm_space *vm;
	int status;	 /* wait status once a zombie */
	uint32_t waiter; /* a thread parked in waitpid, 0: none */
	int wait_pid;	 /* what it waits for: -1 or a pid */
};

/* pool.c */
extern struct vm_env env;
int pool_init(void);
uint32_t pool_free_pages(void);
void *pool_va(uint32_t phys);
void *pool_alloc(void *ctx, size_t size);
void pool_free(void *ctx, void *ptr, size_t size);

/* proc.c */
extern uint32_t server_tid;
extern uint32_t init_pid;
extern int init_done, init_status;
struct proc *proc_of_thread(uint32_t tid, int *slot);
int proc_count(void);
int proc_create_init(void (*entry)(void));
int proc_fork(struct proc *p, uint32_t tid, int slot);
void proc_exit(struct proc *p, int status);
/* 1: answered now (MR0, MR1 in m); 0: parked */
int proc_waitpid(struct proc *p, uint32_t tid, int pid, unsigned options,
		 uint32_t *mr);
int proc_thread_create(struct proc *p, uint32_t tid, uint32_t pc, uint32_t sp,
		       uint32_t r0);
int proc_clone(struct proc *p, uint32_t tid, unsigned flags, uint32_t pc,
	       uint32_t sp, uint32_t r0);
/* another live process in p's space (cloned without CLONE_THREAD) */
struct proc *proc_vm_sharer(const struct proc *p);
/* 1: the process ended too */
int proc_thread_exit(struct proc *p, uint32_t tid, int code);
int proc_nthreads(const struct proc *p);
/* The channels the manifest grants the container, each process to get a
 * send capability of its own on every one; 0 or -E_* */
int proc_channels_init(uint32_t container);
/* what the server's resource domain holds (POSIX_STAT_CHILDREN, _CAPS_OUT,
 * _CHANNELS) */
uint32_t proc_domain_stat(uint32_t which);
/* how many distinct cores p's threads are on now (POSIX_STAT_CORES) */
uint32_t proc_cores(const struct proc *p);

/* exec.c: 1 restarted (reply to unblock it), 0 ended, < 0 -errno */
int proc_exec(struct proc *p, uint32_t tid, int slot, uint32_t argc,
	      uint32_t envc, uint32_t len);

/* mem.c */
int mem_fault(struct proc *p, uint32_t tid, const struct ipc_msg *m);
int mem_brk(struct proc *p, uint32_t tid, uint32_t addr);
int mem_mmap(struct proc *p, uint32_t addr, uint32_t len, unsigned prot,
	     unsigned flags);
int mem_munmap(struct proc *p, uint32_t tid, uint32_t addr, uint32_t len);
int mem_mprotect(struct proc *p, uint32_t tid, uint32_t addr, uint32_t len,
		 unsigned prot);
int mem_image_map(struct vm_space *vm);
int mem_prefault_slot(struct vm_space *vm, int slot, uint32_t tid);
int mem_map_page(uint32_t phys, uint32_t va, unsigned prot, uint32_t tid);
/* file mappings: pf = prot | (flags & 0xfff) << 4 | fd << 16 */
int mem_mmap_file(struct proc *p, uint32_t addr, uint32_t len, uint32_t pf,
		  uint32_t off);
int mem_msync(struct proc *p, uint32_t addr, uint32_t len);
void mem_writeback(struct vm_space *vm, uint32_t lo, uint32_t hi);
/* unmaps [lo, hi) of tid's space from the kernel */
void mem_kernel_unmap(uint32_t lo, uint32_t hi, uint32_t tid);

/* shm.c: POSIX_SHM* requests (a = MR0-MR3); 1: answered in mr[0] */
int shm_request(struct proc *p, uint32_t tid, uint32_t label,
		const uint32_t *a, uint32_t *mr);

/* fs.c: the file server thread */
int fs_server_start(void);
void fs_server_stop(void);
/* what the memory server tells it (0 or -errno) */
int fs_notify(uint32_t label, uint32_t a0, uint32_t a1);
extern uint32_t fs_tid;
/* the file at path, opened as process pid would, read whole into a pool
 * buffer of *size bytes (pool_free(0, *buf, *size)); 0 or -errno */
int fs_exec_read(uint32_t pid, const char *path, void **buf, uint32_t *size);

/* budgets */
uint32_t budget_used(uint32_t resource);

/* the processes' own code (init.c) */
void posix_init_main(void);

#endif
