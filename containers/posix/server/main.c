/*
 * The POSIX container's server (docs/posix.md, "The server as built").
 * Its first thread is the memory server: the pager of every process
 * thread. It creates the first process, init, and then serves faults and
 * the requests of containers/posix/include/posix/proto.h until init ends;
 * the container's exit code is init's.
 */
#include <tessera/console.h>
#include <tessera/sys.h>
#include <posix/proto.h>
#include "server.h"


static void send_reply(uint32_t to, uint32_t r0, uint32_t r1)
{
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
			    .mr = {r0, r1}};
	ipc_send(to, &m);
}

static uint32_t stat_of(struct proc *p, uint32_t which)
{
	switch (which) {
	case POSIX_STAT_PROCS:
		return (uint32_t)proc_count();
	case POSIX_STAT_VM_PAGES:
		return env.nr_pages;
	case POSIX_STAT_VM_ALLOCS:
		return env.nr_allocs;
	case POSIX_STAT_THREADS:
		return budget_used(CAP_RES_THREADS);
	case POSIX_STAT_SPACES:
		return budget_used(CAP_RES_SPACES);
	case POSIX_STAT_PTPAGES:
		return budget_used(CAP_RES_PTPAGES);
	case POSIX_STAT_FREE_PAGES:
		return pool_free_pages();
	case POSIX_STAT_NTHREADS:
		return (uint32_t)proc_nthreads(p);
	case POSIX_STAT_CORES:
		return proc_cores(p);
	case POSIX_STAT_CAPS:
		return budget_used(CAP_RES_CAPS);
	case POSIX_STAT_CHILDREN:
	case POSIX_STAT_CAPS_OUT:
	case POSIX_STAT_CHANNELS:
		return proc_domain_stat(which);
	}
	return (uint32_t)-POSIX_EINVAL;
}

/* Serves one request of thread `tid` of p; 1: answered (mr), 0: no reply
 * (parked, or the thread is gone). */
static int serve(struct proc *p, uint32_t tid, int slot, struct ipc_msg *m,
		 uint32_t *mr)
{
	uint32_t label = IPC_TAG_LABEL(m->tag);
	mr[1] = 0;
	switch (label) {
	case IPC_LABEL_FAULT: {
		int sig = mem_fault(p, tid, m);
		if (!sig) {
			mr[0] = 0;
			return 1;
		}
		printf("posix: pid %u thread %u: signal %d at 0x%x (pc 0x%x)\n",
		       (unsigned)p->pid, (unsigned)tid, sig, (unsigned)m->mr[1],
		       (unsigned)m->mr[2]);
		proc_exit(p, sig);
		return 0;
	}
	case POSIX_FORK:
		mr[0] = (uint32_t)proc_fork(p, tid, slot);
		return 1;
	case POSIX_EXIT:
		proc_exit(p, (int)((m->mr[0] & 0xff) << 8));
		return 0;
	case POSIX_WAITPID:
		return proc_waitpid(p, tid, (int)m->mr[0], m->mr[1], mr);
	case POSIX_GETPID:
		mr[0] = p->pid;
		return 1;
	case POSIX_GETPPID:
		mr[0] = p->ppid;
		return 1;
	case POSIX_BRK:
		mr[0] = (uint32_t)mem_brk(p, tid, m->mr[0]);
		return 1;
	case POSIX_MMAP:
		mr[0] = (uint32_t)mem_mmap(p, m->mr[0], m->mr[1], m->mr[2],
					   m->mr[3]);
		return 1;
	case POSIX_MPROTECT:
		mr[0] = (uint32_t)mem_mprotect(p, tid, m->mr[0], m->mr[1],
					       m->mr[2]);
		return 1;
	case POSIX_MUNMAP:
		mr[0] = (uint32_t)mem_munmap(p, tid, m->mr[0], m->mr[1]);
		return 1;
	case POSIX_THREAD_CREATE:
		mr[0] = (uint32_t)proc_thread_create(p, tid, m->mr[0], m->mr[1],
						     m->mr[2]);
		return 1;
	case POSIX_THREAD_EXIT:
		proc_thread_exit(p, tid, (int)m->mr[0]);
		return 0;
	case POSIX_MMAP_FILE:
		mr[0] = (uint32_t)mem_mmap_file(p, m->mr[0], m->mr[1], m->mr[2],
						m->mr[3]);
		return 1;
	case POSIX_MSYNC:
		mr[0] = (uint32_t)mem_msync(p, m->mr[0], m->mr[1]);
		return 1;
	case POSIX_CLONE:
		mr[0] = (uint32_t)proc_clone(p, tid, m->mr[0], m->mr[1],
					     m->mr[2], m->mr[3]);
		return 1;
	case POSIX_EXEC: {
		if (proc_vm_sharer(p)) { /* the space is another's too */
			mr[0] = (uint32_t)-POSIX_EBUSY;
			return 1;
		}
		int r = proc_exec(p, tid, slot, m->mr[0], m->mr[1], m->mr[2]);
		if (r == 0)
			return 0; /* ended */
		mr[0] = r == 1 ? 0 : (uint32_t)r;
		return 1;
	}
	case POSIX_STAT:
		mr[0] = stat_of(p, m->mr[0]);
		return 1;
	case POSIX_FS_TID:
		mr[0] = fs_tid;
		return 1;
	case POSIX_SHMGET:
	case POSIX_SHMAT:
	case POSIX_SHMDT:
	case POSIX_SHMCTL:
		return shm_request(p, tid, label, m->mr, mr);
	}
	mr[0] = (uint32_t)-POSIX_ENOSYS;
	return 1;
}

/* A replica of the operation capability for `res` narrowed to `ops` on
 * thread `target`, with `flags`; its id or -E_*. */
static int narrowed(const struct cap_info *caps, int n, uint32_t res,
		    uint32_t ops, uint32_t flags, uint32_t target)
{
	for (int i = 0; i < n; i++) {
		if (caps[i].resource != res || caps[i].list != CAP_LIST_PRIVATE)
			continue;
		int id = cap_replicate(caps[i].id);
		if (id < 0)
			return id;
		int err = cap_deduce((uint32_t)id, ops, flags, CAP_TGT_THREAD,
				     target);
		if (err) {
			cap_destroy((uint32_t)id);
			return err;
		}
		return id;
	}
	return -E_NOENT;
}

/*
 * Processes run in this container, so everything on the container's list
 * (own_caps: every operation on the container; its memory) would be
 * theirs too. The server takes it all onto its own list, then gives the
 * threads it pages only ipc to itself and to the file server (its shared
 * list), and the file server the mutex waits of the pool lock. Budgets
 * stay where they are: they are charged for what the server creates. The
 * manifest's channels to other containers come onto the server's list
 * too; each process receives a send capability of its own on each
 * (proc.c, through the resource-domain library).
 */
static int caps_lockdown(void)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64), ctl = -1, id, err;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (caps[i].list != CAP_LIST_CONTAINER ||
		    (caps[i].resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY)
			continue;
		if (caps[i].resource == CAP_RES_CAPCTRL) {
			ctl = (int)caps[i].id; /* last: the others need it */
			continue;
		}
		if ((err = cap_grant(caps[i].id, server_tid)))
			return err;
	}
	if (ctl >= 0 && (err = cap_grant((uint32_t)ctl, server_tid)))
		return err;
	n = cap_read(caps, 64);
	uint32_t to[2] = {server_tid, fs_tid};
	for (int k = 0; k < 2; k++) {
		id = narrowed(caps, n, CAP_RES_IPC, CAP_OP_IPC_SEND,
			      CAP_F_SHARE, to[k]);
		if (id < 0)
			return id;
		if ((err = cap_share((uint32_t)id, CAP_SHARE_PAGED)))
			return err;
	}
	id = narrowed(caps, n, CAP_RES_MUTEX, CAP_OP_MUTEX_ALL, CAP_F_GRANT,
		      fs_tid);
	if (id < 0)
		return id;
	return cap_grant((uint32_t)id, fs_tid);
}

int main(void)
{
	struct sys_ids ids;
	struct ipc_msg m;
	uint32_t mr[2];

	sys_getid(&ids);
	server_tid = ids.tid;
	if (pool_init() != 0) {
		printf("posix: no memory pool of %u bytes\n", POOL_SIZE);
		return 2;
	}
	if (fs_server_start() != 0) {
		printf("posix: cannot start the file server\n");
		return 2;
	}
	int err = caps_lockdown();
	if (err) {
		printf("posix: cannot take the container's capabilities: %d\n",
		       err);
		return 2;
	}
	err = proc_channels_init(ids.container);
	if (err) {
		printf("posix: cannot read the container's channels: %d\n", err);
		return 2;
	}
	err = proc_create_init(posix_init_main);
	if (err < 0) {
		printf("posix: cannot start init: %d\n", err);
		return 2;
	}
	for (;;) {
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		int slot;
		struct proc *p = proc_of_thread(m.from, &slot);
		if (!p && m.from == fs_tid &&
		    IPC_TAG_LABEL(m.tag) == IPC_LABEL_FAULT) {
			printf("posix: file server fault at 0x%x (pc 0x%x)\n",
			       (unsigned)m.mr[1], (unsigned)m.mr[2]);
			return 3;
		}
		if (!p)
			continue; /* not a process thread: ignored */
		int answered = serve(p, m.from, slot, &m, mr);
		if (answered)
			send_reply(m.from, mr[0], mr[1]);
		if (init_done)
			break;
	}
	/* init ended: the container's exit code is init's */
	fs_server_stop();
	printf("posix: init ended with status 0x%x, %d processes left\n",
	       (unsigned)init_status, proc_count());
	int status = init_status;
	return POSIX_WIFEXITED(status) ? POSIX_WEXITSTATUS(status)
				       : 128 + (status & 0x7f);
}
