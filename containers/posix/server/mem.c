/*
 * Memory of processes: the image mapping, faults served with vm_fault
 * decisions, brk, mmap and munmap (the kernel first, then the library,
 * for anything that removes mappings: docs/posix.md).
 */
#include <string.h>
#include <tessera/console.h>
#include <tessera/boot.h>
#include <vm/fault.h>
#include <vm/mmap.h>
#include <vm/object.h>
#include <posix/proto.h>
#include "server.h"

extern char __bss_start[], __bss_end[];

static uint32_t image_end(void)
{
	return ((uint32_t)(uintptr_t)__bss_end + PAGE - 1) & ~(PAGE - 1);
}

/* The image object's pager: a page of the server's own program as it is
 * now (text, rodata, data), its .bss part zero. Processes are functions of
 * this program (docs/posix.md); each one's writes go to its own copy. */
static int image_read(void *file, uint32_t off, vm_phys_t page)
{
	(void)file;
	uint32_t va = container_region.virt + off;
	uint32_t bss = (uint32_t)(uintptr_t)__bss_start;
	char *dst = pool_va((uint32_t)page.pa);
	if (va + PAGE > image_end())
		return -VM_EIO;
	for (uint32_t i = 0; i < PAGE; i++)
		dst[i] = va + i < bss ? *(const char *)(uintptr_t)(va + i) : 0;
	return 0;
}

static void image_release(void *file)
{
	(void)file;
}

static const struct vm_pager image_pager = {image_read, image_release};
static struct vm_object *image_obj;

/* Maps the image (private, read/write/exec) and the stack into a new
 * process's space. */
int mem_image_map(struct vm_space *vm)
{
	if (!image_obj) {
		image_obj =
		    vm_object_file_create(&env, &image_pager, 0, VM_PROT_ALL);
		if (!image_obj)
			return -POSIX_ENOMEM;
	}
	vm_addr_t a = vm_mmap(vm, container_region.virt,
			      image_end() - container_region.virt, VM_PROT_ALL,
			      VM_MAP_PRIVATE | VM_MAP_FIXED, image_obj, 0);
	if (vm_is_err(a))
		return -POSIX_ENOMEM;
	a = vm_mmap(vm, PROC_STACK_TOP - PROC_STACK_SIZE, PROC_STACK_SIZE,
		    VM_PROT_READ | VM_PROT_WRITE,
		    VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED, 0, 0);
	if (vm_is_err(a))
		return -POSIX_ENOMEM;
	a = vm_mmap(vm, PROC_IO_BASE, 2 * MAX_THREADS * PAGE,
		    VM_PROT_READ | VM_PROT_WRITE,
		    VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED, 0, 0);
	return vm_is_err(a) ? -POSIX_ENOMEM : 0;
}

int mem_map_page(uint32_t phys, uint32_t va, unsigned prot, uint32_t tid)
{
	uint32_t attrs = MAP_ATTR_READ;
	if (prot & VM_PROT_WRITE)
		attrs |= MAP_ATTR_WRITE;
	if (prot & VM_PROT_EXEC)
		attrs |= MAP_ATTR_EXEC;
	return sys_map(phys, va, 1, attrs, tid);
}

/* Resolves a write fault at va now and maps the page for tid's space. */
static int prefault(struct vm_space *vm, uint32_t va, uint32_t tid)
{
	struct vm_fault_decision d;
	int err = vm_fault(vm, va, VM_ACCESS_WRITE, &d);
	if (err)
		return -POSIX_ENOMEM;
	if (d.fill == VM_FILL_ZERO)
		memset(pool_va((uint32_t)d.page.pa), 0, PAGE);
	else if (d.fill == VM_FILL_COPY)
		memcpy(pool_va((uint32_t)d.page.pa),
		       pool_va((uint32_t)d.copy_from.pa), PAGE);
	return mem_map_page((uint32_t)d.page.pa, d.va, d.prot, tid)
		   ? -POSIX_ENOMEM
		   : 0;
}

/* A thread slot's UTCB and ipc buffer pages, writable for the kernel. */
int mem_prefault_slot(struct vm_space *vm, int slot, uint32_t tid)
{
	int err = prefault(vm, PROC_IO_UTCB(slot), tid);
	return err ? err : prefault(vm, PROC_IO_UTCB(slot) + PAGE, tid);
}

/* 0: mapped (reply 0 so it retries); else the signal that ends it. */
int mem_fault(struct proc *p, uint32_t tid, const struct ipc_msg *m)
{
	uint32_t cause = m->mr[0], addr = m->mr[1], status = m->mr[3];
	unsigned access;
	struct vm_fault_decision d;

	if (cause == FAULT_PREFETCH)
		access = VM_ACCESS_EXEC;
	else if (cause == FAULT_DATA)
		access = status & (1u << 11) ? VM_ACCESS_WRITE : VM_ACCESS_READ;
	else
		return POSIX_SIGILL;
	int err = vm_fault(p->vm, addr, access, &d);
	if (err == -VM_EIO)
		return POSIX_SIGBUS;
	if (err)
		return err == -VM_ENOMEM ? POSIX_SIGKILL : POSIX_SIGSEGV;
	if (d.fill == VM_FILL_ZERO)
		memset(pool_va((uint32_t)d.page.pa), 0, PAGE);
	else if (d.fill == VM_FILL_COPY)
		memcpy(pool_va((uint32_t)d.page.pa),
		       pool_va((uint32_t)d.copy_from.pa), PAGE);
	err = mem_map_page((uint32_t)d.page.pa, d.va, d.prot, tid);
	if (err) {
		printf("posix: map of 0x%x at 0x%x for %u: %d\n",
		       (unsigned)d.page.pa, (unsigned)d.va, (unsigned)tid, err);
		return POSIX_SIGKILL;
	}
	return 0;
}

/* Unmaps [lo, hi) from the kernel, at most MAP_MAX_PAGES a call. */
void mem_kernel_unmap(uint32_t lo, uint32_t hi, uint32_t tid)
{
	while (lo < hi) {
		uint32_t n = (hi - lo) / PAGE;
		if (n > MAP_MAX_PAGES)
			n = MAP_MAX_PAGES;
		sys_unmap(lo, n, tid);
		lo += n * PAGE;
	}
}

int mem_brk(struct proc *p, uint32_t tid, uint32_t addr)
{
	uint32_t old = p->vm->brk;
	if (addr && addr < old) {
		uint32_t lo = (addr + PAGE - 1) & ~(PAGE - 1);
		uint32_t hi = (old + PAGE - 1) & ~(PAGE - 1);
		if (addr >= p->vm->layout.brk_base)
			mem_kernel_unmap(lo, hi, tid);
	}
	return (int)vm_brk(p->vm, addr);
}

int mem_mmap(struct proc *p, uint32_t addr, uint32_t len, unsigned prot,
	     unsigned flags)
{
	if (!(flags & VM_MAP_ANON) || (flags & VM_MAP_FIXED))
		return -POSIX_EINVAL; /* files and MAP_FIXED: not yet */
	vm_addr_t a = vm_mmap(p->vm, addr, len, prot, flags, 0, 0);
	return vm_is_err(a) ? vm_err(a) : (int)a;
}

/*
 * File mappings: the file server is the pager. A mapping holds a
 * reference on the file's inode (POSIX_FSM_MMAP) until its object dies;
 * a page is read by inode and offset into the server's view of the page
 * (zero past the end of the file; a page wholly past it is SIGBUS).
 * Each mmap call makes its own file object (fork shares it).
 */
struct mapped_file {
	uint32_t inode; /* the file server's handle */
};

static int fs_call(uint32_t label, uint32_t a0, uint32_t a1, uint32_t a2,
		   uint32_t *r1)
{
	struct ipc_msg m = {.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0),
			    .mr = {a0, a1, a2}};
	int err = ipc_call(fs_tid, &m);
	if (err)
		return -POSIX_ENOMEM;
	if (r1)
		*r1 = m.mr[1];
	return (int)m.mr[0];
}

static int file_read(void *file, uint32_t off, vm_phys_t page)
{
	struct mapped_file *f = file;
	return fs_call(POSIX_FSM_PAGE_READ, f->inode, off,
		       (uint32_t)(uintptr_t)pool_va((uint32_t)page.pa), 0)
		   ? -VM_EIO
		   : 0;
}

static void file_release(void *file)
{
	struct mapped_file *f = file;
	fs_call(POSIX_FSM_INODE_PUT, f->inode, 0, 0, 0);
	pool_free(0, f, sizeof(*f));
}

static const struct vm_pager file_pager = {file_read, file_release};

/* The pages of shared, writable file mappings in [lo, hi) written to
 * their files (munmap, msync, exit): what is cached is what was mapped. */
void mem_writeback(struct vm_space *vm, uint32_t lo, uint32_t hi)
{
	for (struct vm_area *a = vm->areas; a && a->start < hi; a = a->next) {
		if (a->end <= lo || !(a->flags & VM_AREA_SHARED) || !a->obj ||
		    a->obj->pager != &file_pager ||
		    !(a->maxprot & VM_PROT_WRITE))
			continue;
		uint32_t s = a->start > lo ? a->start : lo;
		uint32_t e = a->end < hi ? a->end : hi;
		uint32_t olo = a->off + (s - a->start),
			 ohi = a->off + (e - a->start);
		struct mapped_file *f = a->obj->file;
		for (struct vm_page_ent *p = a->obj->pages; p; p = p->next)
			if (p->off >= olo && p->off < ohi)
				fs_call(POSIX_FSM_PAGE_WRITE, f->inode, p->off,
					(uint32_t)(uintptr_t)pool_va(
					    (uint32_t)p->page.pa),
					0);
	}
}

int mem_mmap_file(struct proc *p, uint32_t addr, uint32_t len, uint32_t pf,
		  uint32_t off)
{
	unsigned prot = pf & 0xf, flags = (pf >> 4) & 0xfff;
	uint32_t fd = pf >> 16, writable = 0;
	if ((flags & (VM_MAP_ANON | VM_MAP_FIXED)) || (off & (PAGE - 1)) ||
	    !len)
		return -POSIX_EINVAL;
	int h = fs_call(POSIX_FSM_MMAP, p->pid, fd,
			(flags & VM_MAP_SHARED) && (prot & VM_PROT_WRITE), &writable);
	if (h < 0)
		return h;
	struct mapped_file *f = pool_alloc(0, sizeof(*f));
	struct vm_object *obj =
	    f ? vm_object_file_create(&env, &file_pager, f,
				      writable ? VM_PROT_ALL
					       : VM_PROT_READ | VM_PROT_EXEC)
	      : 0;
	if (!obj) {
		if (f)
			pool_free(0, f, sizeof(*f));
		fs_call(POSIX_FSM_INODE_PUT, (uint32_t)h, 0, 0, 0);
		return -POSIX_ENOMEM;
	}
	f->inode = (uint32_t)h;
	vm_addr_t a = vm_mmap(p->vm, addr, len, prot, flags, obj, off);
	vm_object_put(&env, obj); /* the mapping holds its own (or none) */
	return vm_is_err(a) ? vm_err(a) : (int)a;
}

int mem_msync(struct proc *p, uint32_t addr, uint32_t len)
{
	if ((addr & (PAGE - 1)) || addr + len < addr)
		return -POSIX_EINVAL;
	mem_writeback(p->vm, addr, addr + len);
	return 0;
}

/* A range a process may unmap or protect: page aligned, in its user
 * range, clear of the thread slots (the kernel writes those without
 * faulting, so they stay mapped writable). */
static int range_ok(uint32_t addr, uint32_t len)
{
	uint32_t end = addr + len;
	if ((addr & (PAGE - 1)) || !len || addr < PROC_LO || end < addr ||
	    end > PROC_HI)
		return 0;
	return end <= PROC_IO_BASE ||
	       addr >= PROC_IO_BASE + 2 * MAX_THREADS * PAGE;
}

int mem_mprotect(struct proc *p, uint32_t tid, uint32_t addr, uint32_t len,
		 unsigned prot)
{
	if (!range_ok(addr, len) || (prot & ~VM_PROT_ALL))
		return -POSIX_EINVAL;
	int err = vm_mprotect(p->vm, addr, len, prot);
	if (err)
		return err;
	/* the library first, then the kernel: lowered rights take effect
	 * now, raised ones come back through faults */
	mem_kernel_unmap(addr, (addr + len + PAGE - 1) & ~(PAGE - 1), tid);
	return 0;
}

int mem_munmap(struct proc *p, uint32_t tid, uint32_t addr, uint32_t len)
{
	if (!range_ok(addr, len))
		return -POSIX_EINVAL;
	uint32_t end = (addr + len + PAGE - 1) & ~(PAGE - 1);
	mem_kernel_unmap(addr, end, tid);
	mem_writeback(p->vm, addr, end); /* no thread writes them now */
	return vm_munmap(p->vm, addr, len);
}
