/*
 * Containers from the boot info: for each, a new address space holding its
 * declared regions and a pager thread at its entry point; their death,
 * teardown and restart by the policy the manifest declared (see the
 * lifecycle in kernel/container.h and docs/lifecycle.md).
 *
 * The supervisor is kernel policy, not a root container: a restart needs
 * the pristine program (kept in the packed image, which only the kernel
 * maps), the boot capabilities (which no container may forge) and must
 * work when every container is dead. The manifest is its authority.
 */
#include <string.h>
#include <kernel/container.h>
#include <kernel/fastpath.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/thread.h>
#include <loader/image_format.h>
#include <loader/lz4frame.h>
#include <tessera/syscall.h>

#define NR_BUDGETS CONTAINER_BUDGETS
/* on-failure back-off: 1, 2, 4, ... ticks, at most this many */
#define RESTART_BACKOFF_MAX_TICKS 64u

static struct container containers[BOOTINFO_MAX_CONTAINERS];
static uint32_t nr_containers;
static const struct bootinfo_header *boot_info;
static const struct image_header *boot_image;

static unsigned region_attrs(uint32_t flags)
{
	unsigned a = 0;

	if (flags & BI_REGION_READ)
		a |= MAP_READ;
	if (flags & BI_REGION_WRITE)
		a |= MAP_WRITE;
	if (flags & BI_REGION_EXEC)
		a |= MAP_EXEC;
	return a;
}

/* The capabilities the manifest declared: on the container's list, or on
 * its pager's own. */
static void container_caps(struct container *c,
			   const struct bootinfo_header *bi,
			   const struct bootinfo_container *desc)
{
	const struct bootinfo_cap *caps =
		(const void *)((const uint8_t *)bi + bi->caps_offset);

	BUG_ON(desc->first_cap + desc->nr_caps > bi->nr_caps ||
	       desc->nr_caps > BOOTINFO_MAX_CAPS, "boot info capabilities");
	for (uint32_t i = 0; i < desc->nr_caps; i++) {
		const struct bootinfo_cap *d = &caps[desc->first_cap + i];
		struct cap_list *l = d->list == CAP_LIST_PRIVATE
					     ? &c->pager->caps
					     : &c->caps;
		if (cap_create_boot(c, l, d) != 0)
			panic("container '%s': no memory for its capabilities",
			      c->name);
	}
}

static void container_create(struct container *c,
			     const struct bootinfo_header *bi,
			     const struct bootinfo_container *desc)
{
	struct space *s;
	int err;

	if (c->home_cpu == CPU_NONE) {
		/* declared but unable to run: the system's status says so */
		printk("kernel: container '%s' not started: none of its cpus "
		       "(mask 0x%x) is online\n", c->name, (unsigned)c->cpu_mask);
		c->caps = (struct cap_list){NULL, CAP_LIST_CONTAINER, c->id};
		container_declared_budgets(c, c->budget_size); /* all unused */
		c->exit_code = 1;
		c->state = CONTAINER_STOPPED;
		return;
	}
	if (!(s = space_create(NULL)))
		panic("container '%s': no memory for its address space", c->name);
	for (unsigned r = 0; r < desc->nr_regions; r++) {
		const struct bootinfo_region *reg = &desc->regions[r];
		if (space_map_range(s, reg->virt, pa(reg->phys), reg->size,
				    region_attrs(reg->flags)) != 0)
			panic("container '%s': cannot map region %u", c->name, r);
	}
	c->nr_regions = desc->nr_regions;
	memcpy(c->regions, desc->regions, sizeof(c->regions));
	c->pager = thread_create(NULL, c, s, NULL, desc->entry, desc->stack_top,
				 desc->priority, &err);
	if (!c->pager)
		panic("container '%s': no memory for its pager", c->name);
	space_put(s); /* the pager holds it now */
	c->pager->utcb = desc->utcb;
	c->caps = (struct cap_list){NULL, CAP_LIST_CONTAINER, c->id};
	c->restart = desc->restart;
	c->restart_limit = desc->restart_limit;
	container_caps(c, bi, desc);
	/* the pager's boot arguments: where its first region lives, and how
	 * many times the container was restarted */
	if (desc->nr_regions) {
		c->pager->ctx.r[0] = desc->regions[0].phys;
		c->pager->ctx.r[1] = desc->regions[0].virt;
		c->pager->ctx.r[2] = desc->regions[0].size;
	}
	c->pager->ctx.r[3] = c->restarts;
	printk("kernel: container '%s' started: pager tid %u, entry 0x%08x\n",
	       c->name, (unsigned)c->pager->tid, (unsigned)desc->entry);
	thread_start(c->pager);
}

void container_declared_budgets(const struct container *c, uint32_t *total)
{
	const struct bootinfo_cap *caps =
		(const void *)((const uint8_t *)boot_info +
			       boot_info->caps_offset);

	for (uint32_t i = 0; i < c->desc->nr_caps; i++) {
		const struct bootinfo_cap *d = &caps[c->desc->first_cap + i];
		uint32_t r = d->resource - CAP_RES_THREADS;
		if ((d->resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY &&
		    r < CONTAINER_BUDGETS)
			total[r] += d->size;
	}
}

/* The core the i-th container's first thread starts on: the containers
 * take the online cores of their masks in turn (CPU_NONE: none online). */
static uint32_t home_cpu(uint32_t mask, uint32_t i)
{
	uint32_t online = 0;

	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		if ((mask & (1u << cpu)) && sched_cpu_for(1u << cpu, cpu) == cpu)
			online |= 1u << cpu;
	if (!online)
		return CPU_NONE;
	for (uint32_t n = i % (uint32_t)__builtin_popcount(online);; n--) {
		uint32_t cpu = (uint32_t)__builtin_ctz(online);
		if (n == 0)
			return cpu;
		online &= online - 1;
	}
}

uint32_t containers_create(const struct bootinfo_header *bi,
			   const struct image_header *image)
{
	uint32_t started = 0;

	const struct bootinfo_container *desc = (const void *)(bi + 1);

	boot_info = bi;
	boot_image = image;
	BUG_ON(bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION,
	       "boot info magic/version");
	BUG_ON(bi->nr_containers > BOOTINFO_MAX_CONTAINERS, "too many containers");
	BUG_ON(bi->container_size != sizeof(*desc) ||
	       bi->cap_size != sizeof(struct bootinfo_cap), "boot info layout");
	for (uint32_t i = 0; i < bi->nr_containers; i++) {
		struct container *c = &containers[i];
		memcpy(c->name, desc[i].name, BOOTINFO_NAME_LEN);
		c->id = i;
		c->desc = &desc[i];
		c->cpu_mask = desc[i].cpu_mask;
		c->home_cpu = home_cpu(c->cpu_mask, i);
		cpu_budget_init(c, desc[i].cpu_budget_us, desc[i].cpu_period_us);
		nr_containers++;
		container_create(c, bi, &desc[i]);
		started += c->state == CONTAINER_RUNNING;
	}
	return started;
}

struct container *container_by_id(uint32_t id)
{
	return id < nr_containers ? &containers[id] : NULL;
}

struct container *container_by_name(const char *name, uint32_t len)
{
	for (uint32_t i = 0; i < nr_containers; i++)
		if (len <= BOOTINFO_NAME_LEN &&
		    memcmp(containers[i].name, name, len) == 0 &&
		    strlen(containers[i].name) == len)
			return &containers[i];
	return NULL;
}

static const char *const budget_names[NR_BUDGETS] = {
	"threads", "spaces", "mutexes", "pt", "caps", "irqs"};

/* Keep the size of its budgets (the report outlives the capabilities);
 * splits and merges move units between capabilities, the sum stays. */
static void budget_totals(struct container *c)
{
	uint32_t size[NR_BUDGETS] = {0};

	for (const struct cap *cap = c->caps.head; cap; cap = cap->next) {
		uint32_t r = cap->resource - CAP_RES_THREADS;
		if (cap_kind(cap) == CAP_KIND_QUANTITY && r < NR_BUDGETS)
			size[r] += cap->size;
	}
	for (unsigned r = 0; r < NR_BUDGETS; r++)
		c->budget_size[r] = size[r];
}

/*
 * Every thread is gone, so every capability is on the container's list,
 * including those no holder could destroy (no CAP_F_DESTROY, or a budget
 * part others were split from). Each one made by split or replicate is
 * first refunded to the CAPS budget that paid for it, whatever its flags;
 * only then is any freed, since the payer may be anywhere on the list (a
 * split-off part paying for others). After that no budget has units in
 * use: threads, spaces, page tables, mutex waits and IRQ bindings were
 * refunded as the threads ended, so the check below is the kernel's own
 * consistency, out of reach of anything a container does.
 */
static void free_caps(struct container *c)
{
	struct cap *cap;

	budget_totals(c);
	for (cap = c->caps.head; cap; cap = cap->next) {
		cap_refund(cap->charged_to, 1);
		cap->charged_to = NULL;
	}
	while ((cap = c->caps.head)) {
		BUG_ON(cap_kind(cap) == CAP_KIND_QUANTITY && cap->used,
		       "a dead container's budget still in use");
		cap_list_remove(cap);
		kmem_free(cap);
	}
}

static const char *death_cause(int code)
{
	static const char *const faults[] = {
		[FAULT_UNDEF] = "undefined instruction",
		[FAULT_PREFETCH] = "prefetch abort",
		[FAULT_DATA] = "data abort",
	};
	int cause = code - FAULT_EXIT_BASE;

	if (cause > 0 && cause <= FAULT_DATA && faults[cause])
		return faults[cause];
	if (code == -E_BUDGET)
		return "budget exhausted";
	if (code == -E_DEAD)
		return "destroyed";
	return code ? "failed" : "exited";
}

static uint32_t backoff_ticks(const struct container *c)
{
	uint32_t shift = c->restarts < 6 ? c->restarts : 6;

	return c->restart == BI_RESTART_ON_FAILURE ? 1u << shift : 0;
}

static bool wants_restart(const struct container *c)
{
	bool limited = c->restart_limit && c->restarts >= c->restart_limit;

	switch (c->restart) {
	case BI_RESTART_ALWAYS:
		return !limited;
	case BI_RESTART_ON_FAILURE:
		return c->exit_code != 0 && !limited;
	default:
		return false;
	}
}

static void container_dead(struct container *c)
{
	free_caps(c);
	cpu_budget_container_died(c);
	printk("kernel: container '%s' %s, exit code %d (%s), %u pages free\n",
	       c->name, c->exit_code ? "crashed" : "finished", c->exit_code,
	       death_cause(c->exit_code), (unsigned)kmem_free_page_count());
	if (c->restart == BI_RESTART_CORE) {
		printk("kernel: core container '%s' is gone: stopping the "
		       "system\n", c->name);
		containers_report();
		platform_exit(c->exit_code);
	}
	if (!wants_restart(c)) {
		c->state = CONTAINER_STOPPED;
		return;
	}
	c->state = CONTAINER_WAITING;
	c->restart_at = sched_ticks() + backoff_ticks(c);
}

void container_thread_ended(struct container *c, bool first_pager, int code)
{
	c->live_threads--;
	if (first_pager) { /* the container's status is its pager's */
		c->exit_code = code;
		c->pager = NULL;
		thread_end_container(c, -E_DEAD);
	}
	if (c->live_threads == 0 && c->state == CONTAINER_RUNNING)
		container_dead(c);
}

/* Its program as it was packed: decompressed again from the image. */
static const struct bootinfo_cap *container_cap(const struct container *c,
						uint32_t i)
{
	const struct bootinfo_cap *caps =
		(const void *)((const uint8_t *)boot_info + boot_info->caps_offset);
	return &caps[c->desc->first_cap + i];
}

/* Does [start, start + size) lie in memory of c's own (a PHYSMEM
 * capability)? Container memory never overlaps another's (pack.py). */
static bool in_own_memory(const struct container *c, uint32_t start,
			  uint32_t size)
{
	for (uint32_t i = 0; i < c->desc->nr_caps; i++) {
		const struct bootinfo_cap *m = container_cap(c, i);
		if (m->resource == CAP_RES_PHYSMEM && start >= m->base &&
		    size <= m->size && start - m->base <= m->size - size)
			return true;
	}
	return false;
}

static bool restore_part(const struct container *c,
			 const struct image_part *part)
{
	size_t len;
	int err = lz4f_decode((const uint8_t *)boot_image + part->frame_offset,
			      part->frame_size,
			      phys_to_virt(pa(part->load_addr)), part->mem_size,
			      LZ4F_REQUIRE_CONTENT_CHECKSUM, &len);

	if (err || len != part->raw_size) {
		printk("kernel: container '%s': its image part '%.*s' is "
		       "damaged (%s): not restarted\n", c->name,
		       (int)sizeof(part->name), part->name,
		       lz4f_strerror(err));
		return false;
	}
	return true;
}

/* Put c's memory back as the image has it: all of it clear, then every
 * container part that lands in it unpacked again, its program and any
 * other (the initial files of a POSIX container, docs/posix.md). */
static bool restore_program(struct container *c)
{
	const uint8_t *table = (const uint8_t *)boot_image +
			       boot_image->header_size;

	for (uint32_t i = 0; i < c->desc->nr_caps; i++) {
		const struct bootinfo_cap *m = container_cap(c, i);
		if (m->resource == CAP_RES_PHYSMEM)
			memset(phys_to_virt(pa(m->base)), 0, m->size);
	}
	for (uint32_t i = 0; i < boot_image->nr_parts; i++) {
		const struct image_part *part =
			(const void *)(table + i * boot_image->part_size);
		if (part->kind == IMAGE_PART_CONTAINER &&
		    in_own_memory(c, part->load_addr, part->mem_size) &&
		    !restore_part(c, part))
			return false;
	}
	return true;
}

static void container_restart(struct container *c)
{
	c->state = CONTAINER_STOPPED;
	if (!restore_program(c))
		return;
	c->restarts++;
	c->exit_code = 0;
	c->state = CONTAINER_RUNNING;
	printk("kernel: container '%s' restarting (%u)\n", c->name,
	       (unsigned)c->restarts);
	container_create(c, boot_info, c->desc);
}

void containers_tick(uint64_t now)
{
	for (uint32_t i = 0; i < nr_containers; i++)
		if (containers[i].state == CONTAINER_WAITING &&
		    now >= containers[i].restart_at)
			container_restart(&containers[i]);
}

bool containers_restart_pending(void)
{
	for (uint32_t i = 0; i < nr_containers; i++)
		if (containers[i].state == CONTAINER_WAITING)
			return true;
	return false;
}

/* A CPU budget's line: what it used on every core together, of how long,
 * against its share (which applies on each core); with several cores, a
 * line per core it ran on. */
static void cpu_report(const struct container *c)
{
	uint64_t used = cpu_counter_to_us(cpu_budget_used_total(&c->cpu));
	uint64_t up = cpu_counter_to_us(cpu_budget_lifetime(c));
	uint32_t permille = up ? (uint32_t)(used * 1000 / up) : 0;

	printk("kernel:   %-16s cpu used %u us of its %u us (%u.%u %%), budget "
	       "%u us every %u us, throttled %u times\n",
	       c->name, (unsigned)used, (unsigned)up, (unsigned)permille / 10,
	       (unsigned)permille % 10,
	       (unsigned)cpu_counter_to_us(c->cpu.budget),
	       (unsigned)cpu_counter_to_us(c->cpu.period),
	       (unsigned)cpu_budget_throttles(&c->cpu));
#if CONFIG_NR_CPUS > 1
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
		const struct cpu_server *s = &c->cpu.core[cpu];

		if (s->used_total || s->throttles)
			printk("kernel:     cpu %u: used %u us, throttled %u "
			       "times\n", cpu,
			       (unsigned)cpu_counter_to_us(s->used_total),
			       (unsigned)s->throttles);
	}
#endif
}

void containers_report(void)
{
	uint32_t refills;
	uint64_t refill_ticks;

	cpu_budget_refill_cost(&refills, &refill_ticks);
	if (refills)
		printk("kernel: bench cpu refills %u counter %u\n",
		       (unsigned)refills, (unsigned)refill_ticks);
	printk("kernel: summary (budget peak/size):\n");
	for (uint32_t i = 0; i < nr_containers; i++) {
		struct container *c = &containers[i];

		if (c->state == CONTAINER_RUNNING)
			budget_totals(c);
		printk("kernel:   %-16s exit %4d restarts %u", c->name,
		       c->exit_code, (unsigned)c->restarts);
		for (unsigned r = 0; r < NR_BUDGETS; r++)
			printk("  %s %u/%u", budget_names[r],
			       (unsigned)c->budget_peak[r],
			       (unsigned)c->budget_size[r]);
		printk("\n");
		if (c->cpu.period)
			cpu_report(c);
	}
	fastpath_report();
}

/*
 * The system's status: the first non-zero exit code of a container that
 * is not supervised. A container with a restart policy (always,
 * on-failure) is expected to fail now and then: its failures show in its
 * crash lines and restart count, not in the system's status.
 */
int containers_exit_status(void)
{
	for (uint32_t i = 0; i < nr_containers; i++) {
		const struct container *c = &containers[i];
		if (c->exit_code && c->restart != BI_RESTART_ALWAYS &&
		    c->restart != BI_RESTART_ON_FAILURE)
			return c->exit_code;
	}
	return 0;
}
