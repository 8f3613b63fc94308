/*
 * Processes: the first one (init), fork, exit, waitpid, threads
 * (docs/posix.md, "fork, clone, exit" and "The server as built").
 */
#include <string.h>
#include <tessera/boot.h>
#include <tessera/domain.h>
#include <vm/fork.h>
#include <posix/proto.h>
#include "server.h"

static struct proc procs[MAX_PROCS];
uint32_t server_tid;
uint32_t init_pid;
int init_done, init_status;

static const struct vm_layout layout = {
    .lo = PROC_LO,
    .hi = PROC_HI,
    .mmap_base = PROC_MMAP_BASE,
    .brk_base = PROC_BRK_BASE,
};

/*
 * Every process thread is a child of the server's resource domain
 * (tessera/domain.h): its THREADS unit (and a process's SPACES unit and
 * page tables) charged to the container's budgets, and a send capability
 * of its own on each channel the manifest grants the container
 * (process_grants): a grant lands on the thread's private list, which the
 * other threads of its group do not see, so every thread gets its own.
 * The library takes everything back when the thread ends.
 */
static struct domain threads_domain;
static struct domain_grant process_grants[DOMAIN_MAX_GRANTS];
static uint32_t nr_process_grants;

int proc_channels_init(uint32_t container)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (caps[i].resource != CAP_RES_IPC ||
		    caps[i].target_kind != CAP_TGT_CONTAINER ||
		    caps[i].target == container ||
		    !(caps[i].ops & CAP_OP_IPC_SEND))
			continue;
		if (nr_process_grants == DOMAIN_MAX_GRANTS)
			return -E_BUDGET; /* more channels than a child holds */
		process_grants[nr_process_grants++] = (struct domain_grant){
		    CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_TGT_CONTAINER,
		    caps[i].target};
	}
	return 0;
}

uint32_t proc_domain_stat(uint32_t which)
{
	switch (which) {
	case POSIX_STAT_CHILDREN:
		return domain_children(&threads_domain);
	case POSIX_STAT_CAPS_OUT:
		return threads_domain.caps_out;
	case POSIX_STAT_CHANNELS:
		return nr_process_grants;
	}
	return 0;
}

/* A process thread, created stopped (the caller sets its registers, then
 * start_thread), holding the channels. Its tid, or -E_*. */
static int create_thread(uint32_t source, uint32_t space, uint32_t tgid,
			 uint32_t pc, uint32_t sp)
{
	const struct domain_spec spec = {space, pc, sp, process_grants,
					 nr_process_grants};
	return domain_create(&threads_domain, &spec, source, tgid);
}

/*
 * A new thread starts, and stays, on its creator's core (docs/smp.md,
 * "Placement"): every process thread would run on the server's, and the
 * threads of a process never at once. On a kernel with several cores the
 * server moves each new thread to the next online core of its own mask,
 * round robin (TC_CPUS to that core alone moves it; its mask is then
 * widened back, which leaves it there).
 */
static void place_thread(uint32_t tid)
{
	static uint32_t next;
	int mask = sys_thread_cpus(0, 0, 0);
	if (mask <= 0)
		return;
	uint32_t usable = (uint32_t)mask & sys_cpus_online();
	if (!(usable & (usable - 1)))
		return; /* one core: nothing to spread */
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t k = (next + i) % 32;
		if (!(usable & (1u << k)))
			continue;
		next = k + 1;
		if (sys_thread_cpus(tid, 1u << k, 0) >= 0)
			sys_thread_cpus(tid, (uint32_t)mask, 0);
		return;
	}
}

static int start_thread(uint32_t tid)
{
	place_thread(tid);
	return domain_start(&threads_domain, tid);
}

uint32_t proc_cores(const struct proc *p)
{
	uint32_t seen = 0, n = 0;
	for (int j = 0; j < MAX_THREADS; j++) {
		uint32_t cpu;
		if (p->threads[j] &&
		    sys_thread_cpus(p->threads[j], 0, &cpu) >= 0 && cpu < 32)
			seen |= 1u << cpu;
	}
	for (; seen; seen &= seen - 1)
		n++;
	return n;
}

/* Ends a process thread and takes back what it was given. */
static void end_thread(uint32_t tid)
{
	domain_kill(&threads_domain, tid);
}

/* create_thread's error as errno: out of a budget (THREADS, SPACES, CAPS
 * for its channels, or the domain's children) is EAGAIN */
static int create_errno(int err)
{
	return err == -E_BUDGET ? -POSIX_EAGAIN : -POSIX_ENOMEM;
}

struct proc *proc_of_thread(uint32_t tid, int *slot)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		if (procs[i].state != P_LIVE)
			continue;
		for (int j = 0; j < MAX_THREADS; j++)
			if (procs[i].threads[j] == tid) {
				if (slot)
					*slot = j;
				return &procs[i];
			}
	}
	return 0;
}

static struct proc *proc_by_pid(uint32_t pid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return 0;
}

static struct proc *proc_slot(void)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state == P_FREE)
			return &procs[i];
	return 0;
}

int proc_count(void)
{
	int n = 0;
	for (int i = 0; i < MAX_PROCS; i++)
		n += procs[i].state != P_FREE;
	return n;
}

static int nthreads(const struct proc *p)
{
	int n = 0;
	for (int j = 0; j < MAX_THREADS; j++)
		n += p->threads[j] != 0;
	return n;
}

int proc_create_init(void (*entry)(void))
{
	struct proc *p = proc_slot();
	struct vm_space *vm = vm_space_create(&env, &layout);
	if (!vm)
		return -POSIX_ENOMEM;
	int err = mem_image_map(vm);
	if (err) {
		vm_space_destroy(vm);
		return err;
	}
	int tid = create_thread(0, TC_NEW_SPACE, 0, (uint32_t)(uintptr_t)entry,
				PROC_STACK_TOP - 16);
	if (tid < 0) {
		vm_space_destroy(vm);
		return tid;
	}
	struct exregs r;
	memset(&r, 0, sizeof(r));
	r.utcb = PROC_IO_UTCB(0);
	err = sys_exchange_registers((uint32_t)tid, EXREGS_SET_UTCB, &r);
	if (!err)
		err = mem_prefault_slot(vm, 0, (uint32_t)tid);
	if (!err)
		err = fs_notify(POSIX_FSM_NEW, 0, (uint32_t)tid);
	if (err) {
		end_thread((uint32_t)tid);
		vm_space_destroy(vm);
		return err;
	}
	memset(p, 0, sizeof(*p));
	p->state = P_LIVE;
	p->pid = (uint32_t)tid;
	p->ppid = 0;
	p->threads[0] = (uint32_t)tid;
	p->vm = vm;
	init_pid = (uint32_t)tid;
	return start_thread((uint32_t)tid);
}

/*
 * fork: asked for by thread `tid` of p, which is the one copied (never
 * "the thread of p's space": its other threads share it).
 */
int proc_fork(struct proc *p, uint32_t tid, int slot)
{
	struct proc *c = proc_slot();
	struct vm_fork_result res;
	struct exregs r;
	int err, ctid;

	if (!c)
		return -POSIX_EAGAIN;
	err = vm_fork(p->vm, &res);
	if (err)
		return -POSIX_ENOMEM;
	/* 1. the parent's private pages are copy-on-write from now on */
	for (size_t i = 0; i < res.nr_remap; i++)
		if (mem_map_page((uint32_t)res.remap[i].page.pa,
				 res.remap[i].va, res.remap[i].prot, tid) != 0)
			/* never left writable: unmapped, it faults back in
			 * with the library's rights */
			sys_unmap(res.remap[i].va, 1, tid);
	vm_fork_result_free(&env, &res);
	/* the UTCBs and buffers of every thread of the parent writable again
	 * (the kernel writes them without faulting) */
	for (int i = 0; i < MAX_PROCS; i++)
		for (int j = 0; j < MAX_THREADS; j++)
			if (procs[i].state == P_LIVE && procs[i].vm == p->vm &&
			    procs[i].threads[j])
				mem_prefault_slot(p->vm, j, tid);
	/* 2. the child's thread in a new space (THREADS and SPACES units) */
	ctid = create_thread(0, TC_NEW_SPACE, 0, 0, 0);
	if (ctid < 0) {
		vm_space_destroy(res.child);
		return create_errno(ctid);
	}
	/* 3. its registers: the forking thread's at its svc, as if its call
	 * had returned the reply 0 (r0 result, r1 sender, r2 tag, r3 MR0) */
	memset(&r, 0, sizeof(r));
	err = sys_exchange_registers(tid, EXREGS_GET, &r);
	if (!err) {
		r.r[0] = 0;
		r.r[1] = server_tid;
		r.r[2] = IPC_TAG(0, 0, IPC_TYPE_SHORT, 0);
		r.r[3] = 0;
		r.r[4] = r.r[5] = r.r[6] = 0;
		err = sys_exchange_registers((uint32_t)ctid,
					     EXREGS_SET_REGS | EXREGS_SET_SP |
						 EXREGS_SET_PC | EXREGS_SET_LR |
						 EXREGS_SET_UTCB,
					     &r);
	}
	if (!err)
		err = mem_prefault_slot(res.child, slot, (uint32_t)ctid);
	/* its descriptors: copies of the parent's */
	if (!err)
		err = fs_notify(POSIX_FSM_NEW, p->pid, (uint32_t)ctid);
	if (!err) {
		err = start_thread((uint32_t)ctid);
		if (err)
			fs_notify(POSIX_FSM_EXIT, (uint32_t)ctid, 0);
	}
	if (err) {
		end_thread((uint32_t)ctid);
		vm_space_destroy(res.child);
		return -POSIX_ENOMEM;
	}
	memset(c, 0, sizeof(*c));
	c->state = P_LIVE;
	c->pid = (uint32_t)ctid;
	c->ppid = p->pid;
	c->threads[slot] = (uint32_t)ctid;
	c->vm = res.child;
	return ctid;
}

static void reply(uint32_t to, int r0, uint32_t r1)
{
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
			    .mr = {(uint32_t)r0, r1}};
	ipc_send(to, &m);
}

static void free_zombie(struct proc *z)
{
	z->state = P_FREE;
	z->pid = 0;
}

/* A zombie child of p that wait_pid accepts, or NULL; *any: p has such
 * children at all (alive or not). */
static struct proc *find_child(struct proc *p, int wait_pid, int *any)
{
	struct proc *found = 0;
	*any = 0;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->ppid != p->pid ||
		    (wait_pid > 0 && c->pid != (uint32_t)wait_pid))
			continue;
		*any = 1;
		if (c->state == P_ZOMBIE && !found)
			found = c;
	}
	return found;
}

/* A parked waitpid of p that a new zombie may answer. */
static void wake_waiter(struct proc *p)
{
	int any;
	if (!p || p->state != P_LIVE || !p->waiter)
		return;
	struct proc *z = find_child(p, p->wait_pid, &any);
	if (!z && any)
		return;
	uint32_t w = p->waiter;
	p->waiter = 0;
	if (!z) {
		reply(w, -POSIX_ECHILD, 0);
		return;
	}
	reply(w, (int)z->pid, (uint32_t)z->status);
	free_zombie(z);
}

/* Ends every thread of p, frees its memory, hands its children to init
 * and leaves a zombie for its parent (or nothing, for init). */
void proc_exit(struct proc *p, int status)
{
	for (int j = 0; j < MAX_THREADS; j++)
		if (p->threads[j]) {
			end_thread(p->threads[j]);
			p->threads[j] = 0;
		}
	/* shared file mappings written back (no thread writes them now) */
	mem_writeback(p->vm, 0, PROC_HI);
	/* its descriptors (pipes it held may wake readers) */
	fs_notify(POSIX_FSM_EXIT, p->pid, 0);
	/* the kernel freed the space and its page tables with the last
	 * thread; now the library's pages, unless a process cloned without
	 * CLONE_THREAD still runs in the space */
	if (!proc_vm_sharer(p))
		vm_space_destroy(p->vm);
	p->vm = 0;
	p->waiter = 0;
	p->status = status;
	if (p->pid == init_pid) {
		init_done = 1;
		init_status = status;
	}
	struct proc *initp = proc_by_pid(init_pid);
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *c = &procs[i];
		if (c->state == P_FREE || c->ppid != p->pid || c == p)
			continue;
		if (!initp || initp == p) {
			c->ppid = 0; /* no one will wait: free when it ends */
			if (c->state == P_ZOMBIE)
				free_zombie(c);
		} else {
			c->ppid = init_pid;
		}
	}
	struct proc *parent = p->ppid ? proc_by_pid(p->ppid) : 0;
	if (!parent || parent->state != P_LIVE) {
		free_zombie(p);
	} else {
		p->state = P_ZOMBIE;
		wake_waiter(parent);
	}
	if (initp && initp != p)
		wake_waiter(initp); /* orphans that are zombies already */
}

int proc_waitpid(struct proc *p, uint32_t tid, int pid, unsigned options,
		 uint32_t *mr)
{
	int any;
	if (pid == 0 || pid < -1)
		pid = -1; /* process groups: not yet, any child */
	struct proc *z = find_child(p, pid, &any);
	if (z) {
		mr[0] = z->pid;
		mr[1] = (uint32_t)z->status;
		free_zombie(z);
		return 1;
	}
	if (!any) {
		mr[0] = (uint32_t)-POSIX_ECHILD;
		return 1;
	}
	if ((options & POSIX_WNOHANG) || p->waiter) {
		mr[0] = (options & POSIX_WNOHANG) ? 0 : (uint32_t)-POSIX_EINVAL;
		return 1;
	}
	p->waiter = tid;
	p->wait_pid = pid;
	return 0;
}

/* A thread of p in p's space and group, started at pc with sp and r0. */
/* Another live process sharing p's space (clone without CLONE_THREAD),
 * or NULL. */
struct proc *proc_vm_sharer(const struct proc *p)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state == P_LIVE && &procs[i] != p &&
		    procs[i].vm == p->vm)
			return &procs[i];
	return 0;
}

/* A thread slot free in p's space: no thread of any process sharing the
 * space has it (slots are addresses of the space); -1: none. */
static int free_slot(const struct proc *p)
{
	for (int j = 0; j < MAX_THREADS; j++) {
		int used = 0;
		for (int i = 0; i < MAX_PROCS; i++)
			if (procs[i].state == P_LIVE && procs[i].vm == p->vm &&
			    procs[i].threads[j])
				used = 1;
		if (!used)
			return j;
	}
	return -1;
}

/* A thread in tid's space (p's) started at pc with sp and r0, in slot
 * *slotp (its own UTCB and ipc buffer): new_proc 0, a thread of p's group
 * (tgid p->pid), told to the file server as p's; new_proc 1, a process of
 * its own (tgid its tid) whose descriptors are a copy of p's. */
static int thread_in_space(struct proc *p, uint32_t tid, int new_proc,
			   uint32_t pc, uint32_t sp, uint32_t r0, int *slotp)
{
	int slot = free_slot(p);
	if (slot < 0)
		return -POSIX_EAGAIN;
	int t = create_thread(tid, TC_SAME_SPACE, new_proc ? 0 : p->pid, pc,
			      sp);
	if (t < 0)
		return create_errno(t);
	*slotp = slot;
	struct exregs r;
	memset(&r, 0, sizeof(r));
	r.r[0] = r0;
	r.utcb = PROC_IO_UTCB(slot);
	int err = sys_exchange_registers((uint32_t)t,
					 EXREGS_SET_REGS | EXREGS_SET_UTCB, &r);
	if (!err)
		err = mem_prefault_slot(p->vm, slot, (uint32_t)t);
	if (!err)
		err = new_proc ? fs_notify(POSIX_FSM_NEW, p->pid, (uint32_t)t)
			       : fs_notify(POSIX_FSM_THREAD, (uint32_t)t, p->pid);
	if (!err) {
		err = start_thread((uint32_t)t);
		if (err && new_proc)
			fs_notify(POSIX_FSM_EXIT, (uint32_t)t, 0);
		else if (err)
			fs_notify(POSIX_FSM_THREAD_GONE, (uint32_t)t, 0);
	}
	if (err) {
		end_thread((uint32_t)t);
		return -POSIX_ENOMEM;
	}
	return t;
}

int proc_thread_create(struct proc *p, uint32_t tid, uint32_t pc, uint32_t sp,
		       uint32_t r0)
{
	int slot;
	int t = thread_in_space(p, tid, 0, pc, sp, r0, &slot);
	if (t > 0)
		p->threads[slot] = (uint32_t)t;
	return t;
}

/*
 * clone(2) of thread tid of p, always in p's space (CLONE_VM): with
 * CLONE_THREAD a thread of p's group (the kernel's tgid p->pid), else a
 * new process sharing the space (its tgid and pid its own tid), whose
 * parent is p, or p's parent with CLONE_PARENT, and whose descriptors
 * are a copy of p's. Either gets a slot of its own (UTCB, ipc buffer).
 */
int proc_clone(struct proc *p, uint32_t tid, unsigned flags, uint32_t pc,
	       uint32_t sp, uint32_t r0)
{
	const unsigned known = POSIX_CLONE_VM | POSIX_CLONE_FS |
			       POSIX_CLONE_FILES | POSIX_CLONE_SIGHAND |
			       POSIX_CLONE_PARENT | POSIX_CLONE_THREAD |
			       POSIX_CLONE_CSIGNAL;
	if ((flags & ~known) || !(flags & POSIX_CLONE_VM))
		return -POSIX_EINVAL; /* a space of its own: fork */
	if (flags & POSIX_CLONE_THREAD)
		return proc_thread_create(p, tid, pc, sp, r0);
	/* a process sharing the space: its descriptors are a copy */
	if (flags & (POSIX_CLONE_FS | POSIX_CLONE_FILES | POSIX_CLONE_SIGHAND))
		return -POSIX_EINVAL;
	if ((flags & POSIX_CLONE_PARENT) && !p->ppid)
		return -POSIX_EINVAL; /* init has no parent */
	struct proc *c = proc_slot();
	if (!c)
		return -POSIX_EAGAIN;
	int slot;
	int t = thread_in_space(p, tid, 1, pc, sp, r0, &slot);
	if (t < 0)
		return t;
	memset(c, 0, sizeof(*c));
	c->state = P_LIVE;
	c->pid = (uint32_t)t;
	c->ppid = (flags & POSIX_CLONE_PARENT) ? p->ppid : p->pid;
	c->threads[slot] = (uint32_t)t;
	c->vm = p->vm;
	return t;
}

int proc_thread_exit(struct proc *p, uint32_t tid, int code)
{
	if (nthreads(p) == 1) {
		proc_exit(p, (code & 0xff) << 8);
		return 1;
	}
	for (int j = 0; j < MAX_THREADS; j++)
		if (p->threads[j] == tid)
			p->threads[j] = 0;
	fs_notify(POSIX_FSM_THREAD_GONE, tid, 0);
	end_thread(tid);
	return 0;
}

int proc_nthreads(const struct proc *p)
{
	return nthreads(p);
}
