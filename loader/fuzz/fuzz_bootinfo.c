/*
 * libFuzzer target: the kernel's reading of the boot info
 * (kernel/include/boot/bootinfo.h), built for the host. The kernel checks
 * the boot info's shape first (kernel/generic/bootinfo_check.c), then
 * kmem_init() (kernel/generic/kmem.c) and containers_create()
 * (kernel/generic/container.c) read it. This target links those files
 * unchanged, with libmem's allocators, the loader's lz4 decoder and the
 * small shim below for everything else they call, and runs the kernel's
 * own boot order over the input:
 *
 *     bootinfo_check(image, bi);  kmem_init(image, bi);
 *     containers_create(bi, image);
 *
 * The input is the boot-info part as the loader leaves it (raw_size bytes;
 * a heap block of exactly that length, so AddressSanitizer reports any
 * read past it). The image table is a fixed, valid one naming a boot-info
 * part of that size. panic() (a BUG_ON firing) returns to this harness:
 * that is the kernel refusing the input, which is fine; reading outside
 * the input, or anything the sanitizers catch, is not.
 *
 * The shim models: space_map_range (the checks arch_map_page makes: user
 * addresses, page alignment), thread_create (a zeroed thread from a pool),
 * cap_create_boot (reads the whole descriptor, as the real one does),
 * sched_cpu_for (core 0 online).
 * What the boot does not reach aborts if called. The link only warns about
 * a kernel function the shim lacks (SConstruct): that shows as a "symbol
 * lookup error" if the boot calls it, and is harmless if it does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <boot/bootinfo.h>
#include <kernel/bootinfo_check.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/cpu_budget.h>
#include <kernel/klock.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/thread.h>
#include <loader/image_format.h>
#include <tessera/errno.h>

void kmem_init(const struct image_header *image,
	       const struct bootinfo_header *bi);

/* ---- shim ------------------------------------------------------------ */

static jmp_buf panic_jmp;
static char console[512];
static struct thread boot_threads[BOOTINFO_MAX_CONTAINERS];
static unsigned nr_threads;
static struct space the_space;

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(console, sizeof(console), fmt, ap);
	va_end(ap);
	/* a regression input shows which check refused it */
	if (getenv("FUZZ_BOOTINFO_SHOW_PANIC"))
		fprintf(stderr, "panic: %s\n", console);
	longjmp(panic_jmp, 1);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(console, sizeof(console), fmt, ap);
	va_end(ap);
	return n;
}

struct space *space_create(const struct thread *payer)
{
	(void)payer;
	return &the_space;
}

void space_put(struct space *s)
{
	(void)s;
}

/* What the real loop of arch_map_page calls would return, in O(1). */
int space_map_range(struct space *s, uint32_t va, paddr_t p, uint32_t size,
		    unsigned attrs)
{
	(void)s;
	(void)attrs;
	if (!size)
		return 0;
	if ((va | p.pa) & (PAGE_SIZE - 1))
		return -E_INVAL;
	if ((uint64_t)va + ((size - 1) & ~(uint64_t)(PAGE_SIZE - 1)) >=
	    USER_VA_END)
		return -E_INVAL;
	return 0;
}

struct thread *thread_create(const struct thread *creator, struct container *c,
			     struct space *s, struct thread *pager,
			     uint32_t entry, uint32_t sp, uint32_t priority,
			     int *err)
{
	struct thread *t;

	(void)creator, (void)s, (void)pager, (void)entry, (void)sp;
	(void)priority, (void)err;
	if (nr_threads == BOOTINFO_MAX_CONTAINERS)
		abort(); /* more pagers than containers */
	t = &boot_threads[nr_threads++];
	t->container = c;
	return t;
}

void thread_start(struct thread *t)
{
	(void)t;
}

int cap_create_boot(struct container *c, struct cap_list *list,
		    const struct bootinfo_cap *d)
{
	volatile struct bootinfo_cap copy = *d;

	(void)c, (void)list, (void)copy;
	return 0;
}

uint64_t sched_ticks(void)
{
	return 0;
}

/* Core 0 alone is online: a container whose mask leaves it out is not
 * started (the kernel's path for cores that did not come up). */
unsigned sched_cpu_for(uint32_t mask, unsigned preferred)
{
	(void)preferred;
	return (mask & 1u) ? 0 : CPU_NONE;
}

/* The kernel keeps the figures as they are (kernel/generic/cpu_budget.c). */
void cpu_budget_init(struct container *c, uint32_t budget_us,
		     uint32_t period_us)
{
	(void)c, (void)budget_us, (void)period_us;
}

/* Not reached at boot. */
void cap_list_remove(struct cap *c)
{
	(void)c;
	abort();
}

void cap_refund(struct cap *budget, uint32_t n)
{
	(void)budget, (void)n;
	abort();
}

void cpu_budget_container_died(struct container *c)
{
	(void)c;
	abort();
}

uint64_t cpu_budget_lifetime(const struct container *c)
{
	(void)c;
	abort();
}

void cpu_budget_refill_cost(uint32_t *refills, uint64_t *ticks)
{
	(void)refills, (void)ticks;
	abort();
}

uint64_t cpu_counter_to_us(uint64_t counter)
{
	(void)counter;
	abort();
}

void thread_end_container(struct container *c, int code)
{
	(void)c, (void)code;
	abort();
}

void platform_exit(int status)
{
	(void)status;
	abort();
}

void arch_zero_pages(void *addr, uint32_t bytes)
{
	(void)addr, (void)bytes;
	abort();
}

/* ---- the boot ------------------------------------------------------- */

/* A valid table laid out as the packer lays it out: the image at the
 * board's image_base, the kernel (part 0), the boot info of the input's
 * size (part 1, the only kind kmem_init reads), then container programs
 * in every other part, so any program_part from 2 up is one. */
static struct {
	struct image_header h;
	struct image_part parts[IMAGE_MAX_PARTS];
} table = {
    .h = {.magic = IMAGE_MAGIC,
	  .version = IMAGE_VERSION,
	  .header_size = sizeof(struct image_header),
	  .part_size = sizeof(struct image_part),
	  .nr_parts = IMAGE_MAX_PARTS,
	  .image_base = BOARD_IMAGE_BASE,
	  .image_size = 0x10000,
	  .kernel_part = 0,
	  .bootinfo_part = 1},
    .parts = {{.kind = IMAGE_PART_KERNEL, .name = "kernel"},
	      {.kind = IMAGE_PART_BOOTINFO,
	       .name = "bootinfo",
	       .load_addr =
		   BOARD_KERNEL_PHYS + BOARD_KERNEL_RESERVE - 0x1000}},
};

static void table_init(void)
{
	for (uint32_t i = 2; i < IMAGE_MAX_PARTS; i++)
		table.parts[i].kind = IMAGE_PART_CONTAINER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bootinfo_header *bi;

	if (size > 0x100000)
		return 0;
	/* exactly the part's bytes, nothing after them */
	bi = malloc(size ? size : 1);
	if (!bi)
		abort();
	memcpy(bi, data, size);
	if (!table.parts[2].kind)
		table_init();
	table.parts[1].raw_size = table.parts[1].mem_size = (uint32_t)size;
	memset(boot_threads, 0, sizeof(boot_threads));
	nr_threads = 0;

	if (!setjmp(panic_jmp)) {
		bootinfo_check(&table.h, bi);
		kmem_init(&table.h, bi);
		containers_create(bi, &table.h);
	}
	free(bi);
	return 0;
}
