/*
 * execve (docs/posix.md, "exec"): the program is read from the file
 * system by the file server (POSIX_FSM_EXEC_READ) into a buffer of the
 * pool, checked in full, and only then does the process change: its
 * shared file mappings are written back, its VMAs go (vm_munmap, so
 * through vm_area_drop), each PT_LOAD segment
 * becomes a private mapping of a file object over the buffer (text and
 * data share the file's pages until written; a segment's object reads
 * only its own file bytes, so the tail of the last page is zero) plus an
 * anonymous mapping for the rest of its .bss, the stack is rebuilt with
 * argc, argv and envp, close-on-exec descriptors are closed, and the
 * thread restarts at the entry (exchange_registers on the thread blocked
 * in its exec call; the reply that unblocks it only touches r0-r6, which
 * the program's crt0 ignores: it reads everything from the stack).
 */
#include <string.h>
#include <tessera/console.h>
#include <vm/fault.h>
#include <vm/mmap.h>
#include <vm/object.h>
#include <posix/proto.h>
#include "server.h"

/* ELF32 as the checks need it */
struct ehdr {
	unsigned char ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
#define PT_LOAD	  1
#define PF_X	  1
#define PF_W	  2
#define PF_R	  4
#define EM_ARM	  40
#define ET_EXEC	  2
#define MAX_PHDRS 16
#define MAX_LOADS 8

/* The program's file, shared by its segments' objects. */
struct exec_image {
	char *buf;
	uint32_t size, refs;
};
/* One segment's object: file bytes [lo, hi) of the image; the rest of
 * every page it maps reads as zero. */
struct exec_seg {
	struct exec_image *img;
	uint32_t lo, hi;
};

static void image_put(struct exec_image *img)
{
	if (--img->refs)
		return;
	pool_free(0, img->buf, img->size);
	pool_free(0, img, sizeof(*img));
}

static int seg_read(void *file, uint32_t off, vm_phys_t page)
{
	struct exec_seg *s = file;
	char *dst = pool_va((uint32_t)page.pa);
	memset(dst, 0, PAGE);
	uint32_t a = off > s->lo ? off : s->lo;
	uint32_t b = off + PAGE < s->hi ? off + PAGE : s->hi;
	if (a < b)
		memcpy(dst + (a - off), s->img->buf + a, b - a);
	return 0;
}

static void seg_release(void *file)
{
	struct exec_seg *s = file;
	image_put(s->img);
	pool_free(0, s, sizeof(*s));
}

static const struct vm_pager seg_pager = {seg_read, seg_release};

static uint32_t up(uint32_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* The whole check: 0 or -ENOEXEC. Segments lie in [PROC_LO,
 * PROC_BRK_BASE) (so clear of the heap, mmap area, stack and thread
 * slots), do not overlap (in pages), read only bytes of the file, and the
 * entry is in an executable one. */
static int elf_check(const char *buf, uint32_t size, struct phdr *loads,
		     int *nloads, uint32_t *entry)
{
	struct ehdr h;
	if (size < sizeof(h))
		return -POSIX_ENOEXEC;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.ident, "\177ELF", 4) || h.ident[4] != 1 /* 32-bit */ ||
	    h.ident[5] != 1 /* LE */ || h.ident[6] != 1 || h.version != 1 ||
	    h.type != ET_EXEC || h.machine != EM_ARM ||
	    h.ehsize != sizeof(h) || h.phentsize != sizeof(struct phdr) ||
	    h.phnum == 0 || h.phnum > MAX_PHDRS || h.phoff > size ||
	    size - h.phoff < (uint32_t)h.phnum * sizeof(struct phdr))
		return -POSIX_ENOEXEC;
	int n = 0, entry_ok = 0;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct phdr ph;
		memcpy(&ph, buf + h.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD)
			continue;
		if (ph.memsz == 0)
			continue;
		if (n == MAX_LOADS || ph.filesz > ph.memsz ||
		    ph.offset > size || size - ph.offset < ph.filesz ||
		    (ph.offset & (PAGE - 1)) != (ph.vaddr & (PAGE - 1)) ||
		    ph.vaddr < PROC_LO || ph.vaddr >= PROC_BRK_BASE ||
		    PROC_BRK_BASE - ph.vaddr < ph.memsz ||
		    (ph.flags & ~(uint32_t)(PF_R | PF_W | PF_X)))
			return -POSIX_ENOEXEC;
		uint32_t s = ph.vaddr & ~(PAGE - 1), e = up(ph.vaddr + ph.memsz);
		for (int j = 0; j < n; j++) {
			uint32_t s2 = loads[j].vaddr & ~(PAGE - 1);
			uint32_t e2 = up(loads[j].vaddr + loads[j].memsz);
			if (s < e2 && s2 < e)
				return -POSIX_ENOEXEC;
		}
		if ((ph.flags & PF_X) && h.entry >= ph.vaddr &&
		    h.entry - ph.vaddr < ph.memsz)
			entry_ok = 1;
		loads[n++] = ph;
	}
	if (!n || !entry_ok)
		return -POSIX_ENOEXEC;
	*nloads = n;
	*entry = h.entry;
	return 0;
}

/* The page of p's space at va, resolved (a write: the page is the
 * process's own), or NULL. */
static char *user_page(struct vm_space *vm, uint32_t va, unsigned access)
{
	struct vm_fault_decision d;
	if (vm_fault(vm, va, access, &d))
		return 0;
	if (d.fill == VM_FILL_ZERO)
		memset(pool_va((uint32_t)d.page.pa), 0, PAGE);
	else if (d.fill == VM_FILL_COPY)
		memcpy(pool_va((uint32_t)d.page.pa),
		       pool_va((uint32_t)d.copy_from.pa), PAGE);
	return pool_va((uint32_t)d.page.pa);
}

static int put_user(struct vm_space *vm, uint32_t va, const void *src,
		    uint32_t len)
{
	while (len) {
		uint32_t off = va & (PAGE - 1), k = PAGE - off;
		if (k > len)
			k = len;
		char *pg = user_page(vm, va & ~(PAGE - 1), VM_ACCESS_WRITE);
		if (!pg)
			return -POSIX_ENOMEM;
		memcpy(pg + off, src, k);
		va += k;
		src = (const char *)src + k;
		len -= k;
	}
	return 0;
}

static void kunmap(uint32_t lo, uint32_t hi, uint32_t tid)
{
	while (lo < hi) {
		uint32_t n = (hi - lo) / PAGE;
		if (n > MAP_MAX_PAGES)
			n = MAP_MAX_PAGES;
		sys_unmap(lo, n, tid);
		lo += n * PAGE;
	}
}

static char args[PAGE];	   /* the exec request, copied */
/* argc, argv[] and NULL, envp[] and NULL */
static uint32_t ptrs[EXEC_MAX_ARGS + 3];

static int map_segments(struct proc *p, struct exec_image *img,
			const struct phdr *loads, int n)
{
	for (int i = 0; i < n; i++) {
		const struct phdr *ph = &loads[i];
		unsigned prot = (ph->flags & PF_R ? VM_PROT_READ : 0) |
				(ph->flags & PF_W ? VM_PROT_WRITE : 0) |
				(ph->flags & PF_X ? VM_PROT_EXEC : 0);
		uint32_t start = ph->vaddr & ~(PAGE - 1);
		uint32_t fend = up(ph->vaddr + ph->filesz);
		uint32_t mend = up(ph->vaddr + ph->memsz);
		if (ph->filesz) {
			struct exec_seg *s = pool_alloc(0, sizeof(*s));
			if (!s)
				return -POSIX_ENOMEM;
			s->img = img;
			s->lo = ph->offset;
			s->hi = ph->offset + ph->filesz;
			struct vm_object *o = vm_object_file_create(
			    &env, &seg_pager, s, VM_PROT_ALL);
			if (!o) {
				pool_free(0, s, sizeof(*s));
				return -POSIX_ENOMEM;
			}
			img->refs++;
			vm_addr_t a =
			    vm_mmap(p->vm, start, fend - start, prot,
				    VM_MAP_PRIVATE | VM_MAP_FIXED, o,
				    ph->offset & ~(PAGE - 1));
			vm_object_put(&env, o);
			if (vm_is_err(a))
				return -POSIX_ENOMEM;
		} else {
			fend = start;
		}
		if (mend > fend) {
			vm_addr_t a = vm_mmap(
			    p->vm, fend, mend - fend, prot,
			    VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED, 0, 0);
			if (vm_is_err(a))
				return -POSIX_ENOMEM;
		}
	}
	return 0;
}

/*
 * exec by thread tid (slot) of p: the ipc buffer holds "path\0", argc
 * strings and envc strings, len bytes in all. 1: the thread restarts
 * (answered: the reply only unblocks it); < 0: the error, p unchanged;
 * 0: it failed past the point of no return and p was ended (SIGKILL).
 */
int proc_exec(struct proc *p, uint32_t tid, int slot, uint32_t argc,
	      uint32_t envc, uint32_t len)
{
	if (proc_nthreads(p) != 1)
		return -POSIX_EBUSY;
	if (len == 0 || len > PAGE)
		return -POSIX_EINVAL;
	/* each alone first: their sum must not wrap */
	if (argc > EXEC_MAX_ARGS || envc > EXEC_MAX_ARGS ||
	    argc + envc > EXEC_MAX_ARGS)
		return -POSIX_E2BIG;
	char *src = user_page(p->vm, PROC_IO_UTCB(slot) + PAGE,
			      VM_ACCESS_READ);
	if (!src)
		return -POSIX_EFAULT;
	memcpy(args, src, len);
	/* path, then exactly argc + envc strings, each terminated in len */
	uint32_t off = 0, nstr = 0, str_off[EXEC_MAX_ARGS + 1];
	while (off < len && nstr < argc + envc + 1) {
		str_off[nstr++] = off;
		while (off < len && args[off])
			off++;
		if (off == len)
			return -POSIX_EINVAL; /* not terminated */
		off++;
	}
	if (nstr != argc + envc + 1 || off != len || args[0] == 0)
		return -POSIX_EINVAL;

	struct exec_image *img = pool_alloc(0, sizeof(*img));
	if (!img)
		return -POSIX_ENOMEM;
	memset(img, 0, sizeof(*img));
	int r = fs_exec_read(p->pid, args, (void **)&img->buf, &img->size);
	if (r < 0) {
		pool_free(0, img, sizeof(*img));
		return r;
	}
	img->refs = 1;
	struct phdr loads[MAX_LOADS];
	int nloads;
	uint32_t entry;
	r = elf_check(img->buf, img->size, loads, &nloads, &entry);
	if (r) {
		image_put(img);
		return r;
	}

	/* the stack: strings at the top, then envp, argv, argc at sp */
	uint32_t strings = len - str_off[1];
	uint32_t top = PROC_STACK_TOP;
	uint32_t sbase = (top - strings) & ~7u;
	uint32_t nptr = 1 + argc + 1 + envc + 1;
	uint32_t sp = (sbase - nptr * 4) & ~7u;
	ptrs[0] = argc;
	for (uint32_t i = 0; i < argc; i++)
		ptrs[1 + i] = sbase + str_off[1 + i] - str_off[1];
	ptrs[1 + argc] = 0;
	for (uint32_t i = 0; i < envc; i++)
		ptrs[2 + argc + i] = sbase + str_off[1 + argc + i] - str_off[1];
	ptrs[2 + argc + envc] = 0;

	/* The point of no return: everything but the thread slots goes. */
	uint32_t io_end = PROC_IO_BASE + 2 * MAX_THREADS * PAGE;
	for (struct vm_area *a = p->vm->areas; a; a = a->next)
		if (a->end <= PROC_IO_BASE || a->start >= io_end)
			kunmap(a->start, a->end, tid);
	/* shared file mappings written back, as munmap and exit do (no
	 * thread writes them now: the space's only thread is this one) */
	mem_writeback(p->vm, 0, PROC_HI);
	if (vm_munmap(p->vm, PROC_LO, PROC_IO_BASE - PROC_LO) ||
	    vm_munmap(p->vm, io_end, PROC_HI - io_end))
		goto lost;
	p->vm->brk = p->vm->layout.brk_base;
	r = map_segments(p, img, loads, nloads);
	image_put(img); /* the segments' objects hold it now */
	img = 0;
	if (r)
		goto lost;
	vm_addr_t a = vm_mmap(p->vm, PROC_STACK_TOP - PROC_STACK_SIZE,
			      PROC_STACK_SIZE, VM_PROT_READ | VM_PROT_WRITE,
			      VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED, 0,
			      0);
	if (vm_is_err(a) || put_user(p->vm, sbase, args + str_off[1], strings) ||
	    put_user(p->vm, sp, ptrs, nptr * 4))
		goto lost;
	fs_notify(POSIX_FSM_EXEC, p->pid, 0); /* close-on-exec */
	struct exregs x;
	memset(&x, 0, sizeof(x));
	x.sp = sp;
	x.pc = entry;
	x.lr = 0;
	if (sys_exchange_registers(tid, EXREGS_SET_REGS | EXREGS_SET_SP |
					    EXREGS_SET_PC | EXREGS_SET_LR,
				   &x))
		goto lost;
	return 1;
lost:
	printf("posix: pid %u: exec failed past the point of no return\n",
	       (unsigned)p->pid);
	proc_exit(p, POSIX_SIGKILL);
	return 0;
}
