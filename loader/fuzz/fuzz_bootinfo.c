/*
 * libFuzzer target: the kernel's reading of the boot info
 * (kernel/include/boot/bootinfo.h), built for the host. The kernel has no
 * separate boot-info checker: its checks are the BUG_ONs of
 * containers_create() (kernel/generic/container.c) and what kmem_init()
 * (kernel/generic/kmem.c) reads first. So this target links those two
 * files unchanged, with libmem's allocators, the loader's lz4 decoder and
 * the small shim below for everything else they call, and runs the
 * kernel's own boot order over the input:
 *
 *     kmem_init(image, bi);  containers_create(bi, image);
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
 * cap_create_boot (reads the whole descriptor, as the real one does).
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
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/cpu_budget.h>
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
static struct thread threads[BOOTINFO_MAX_CONTAINERS];
static unsigned nr_threads;
static struct space the_space;

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(console, sizeof(console), fmt, ap);
	va_end(ap);
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
	t = &threads[nr_threads++];
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

/* A valid table: the image at the board's image_base, one boot-info part
 * (the only kind kmem_init reads) of the input's size. */
static struct {
	struct image_header h;
	struct image_part bootinfo;
} table = {
    .h = {.magic = IMAGE_MAGIC,
	  .version = IMAGE_VERSION,
	  .header_size = sizeof(struct image_header),
	  .part_size = sizeof(struct image_part),
	  .nr_parts = 1,
	  .image_base = BOARD_IMAGE_BASE,
	  .image_size = 0x10000},
    .bootinfo = {.kind = IMAGE_PART_BOOTINFO,
		 .name = "bootinfo",
		 .load_addr =
		     BOARD_KERNEL_PHYS + BOARD_KERNEL_RESERVE - 0x1000},
};

/*
 * Known gaps: what the kernel reads without checking it first, found by
 * this target and reported (loader/fuzz/known/fuzz_bootinfo/ holds one
 * input for each; tools/tests/test_host_fuzz.py keeps them as expected
 * failures). Inputs that fall into one are skipped, so that a campaign
 * looks for anything else; FUZZ_BOOTINFO_ALL=1 in the environment runs
 * them too. Each test is on the input, as the kernel would need to make
 * it: sizes against the part's length (size), in 64 bits.
 */
static const char *known_gap(const uint8_t *data, size_t size)
{
	const struct bootinfo_header *bi = (const void *)data;
	const struct bootinfo_container *desc;
	uint64_t descs_end;

	/* kmem.c reads the header without knowing the part's length */
	if (size < sizeof(*bi))
		return "header-past-end";
	/* kmem.c reads nr_caps capabilities at caps_offset before any check
	 * of the boot info, and nothing checks them against its length */
	if ((uint64_t)bi->caps_offset +
		(uint64_t)bi->nr_caps * sizeof(struct bootinfo_cap) >
	    size)
		return "caps-past-end";
	if (bi->caps_offset % 4)
		return "caps-misaligned";
	/* past the BUG_ONs, containers_create reads nr_containers
	 * descriptors, which nothing checks against the length */
	if (bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION ||
	    bi->nr_containers > BOOTINFO_MAX_CONTAINERS ||
	    bi->container_size != sizeof(*desc) ||
	    bi->cap_size != sizeof(struct bootinfo_cap))
		return NULL;
	descs_end = sizeof(*bi) + (uint64_t)bi->nr_containers * sizeof(*desc);
	if (descs_end > size)
		return "descriptors-past-end";
	desc = (const void *)(bi + 1);
	for (uint32_t i = 0; i < bi->nr_containers; i++) {
		/* container_create maps nr_regions regions from an array of
		 * BOOTINFO_MAX_REGIONS */
		if (desc[i].nr_regions > BOOTINFO_MAX_REGIONS)
			return "regions-past-array";
		/* container_caps: first_cap + nr_caps <= nr_caps in 32 bits,
		 * which wraps */
		if ((uint32_t)(desc[i].first_cap + desc[i].nr_caps) <=
			bi->nr_caps &&
		    (uint64_t)desc[i].first_cap + desc[i].nr_caps > bi->nr_caps)
			return "cap-range-wraps";
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int all = -1;
	struct bootinfo_header *bi;

	if (size > 0x100000)
		return 0;
	if (all < 0)
		all = getenv("FUZZ_BOOTINFO_ALL") != NULL;
	if (!all && known_gap(data, size))
		return 0;
	/* exactly the part's bytes, nothing after them */
	bi = malloc(size ? size : 1);
	if (!bi)
		abort();
	memcpy(bi, data, size);
	table.bootinfo.raw_size = table.bootinfo.mem_size = (uint32_t)size;
	memset(threads, 0, sizeof(threads));
	nr_threads = 0;

	if (!setjmp(panic_jmp)) {
		kmem_init(&table.h, bi);
		containers_create(bi, &table.h);
	}
	free(bi);
	return 0;
}
