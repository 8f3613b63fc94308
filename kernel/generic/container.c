/*
 * Containers from the boot info: for each, a new address space holding its
 * declared regions and a pager thread at its entry point.
 */
#include <string.h>
#include <kernel/container.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/space.h>
#include <kernel/thread.h>

static struct container containers[BOOTINFO_MAX_CONTAINERS];
static uint32_t nr_containers;

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
	struct space *s = space_create(NULL);
	int err;

	if (!s)
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
	/* the pager's boot arguments: where its first region lives */
	if (desc->nr_regions) {
		c->pager->ctx.r[0] = desc->regions[0].phys;
		c->pager->ctx.r[1] = desc->regions[0].virt;
		c->pager->ctx.r[2] = desc->regions[0].size;
	}
	printk("kernel: container '%s' started: pager tid %u, entry 0x%08x\n",
	       c->name, (unsigned)c->pager->tid, (unsigned)desc->entry);
	thread_start(c->pager);
}

void containers_create(const struct bootinfo_header *bi)
{
	const struct bootinfo_container *desc = (const void *)(bi + 1);

	BUG_ON(bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION,
	       "boot info magic/version");
	BUG_ON(bi->nr_containers > BOOTINFO_MAX_CONTAINERS, "too many containers");
	BUG_ON(bi->container_size != sizeof(*desc) ||
	       bi->cap_size != sizeof(struct bootinfo_cap), "boot info layout");
	for (uint32_t i = 0; i < bi->nr_containers; i++) {
		struct container *c = &containers[i];
		memcpy(c->name, desc[i].name, BOOTINFO_NAME_LEN);
		c->id = i;
		nr_containers++;
		container_create(c, bi, &desc[i]);
	}
}

struct container *container_by_id(uint32_t id)
{
	return id < nr_containers ? &containers[id] : NULL;
}

void container_thread_exited(struct container *c, struct thread *t, int code)
{
	c->live_threads--;
	if (t == c->pager) /* the container's status is its pager's */
		c->exit_code = code;
	if (c->live_threads == 0)
		printk("kernel: container '%s' finished, exit code %d\n",
		       c->name, c->exit_code);
}

/* Budgets by resource: [0] threads .. [5] irqs, as in tessera/cap.h. */
#define NR_BUDGETS 6

static void budget_totals(const struct container *c, uint32_t *peak,
			  uint32_t *size)
{
	for (const struct cap *cap = c->caps.head; cap; cap = cap->next) {
		uint32_t r = cap->resource - CAP_RES_THREADS;
		if (cap_kind(cap) != CAP_KIND_QUANTITY || r >= NR_BUDGETS)
			continue;
		peak[r] += cap->peak;
		size[r] += cap->size;
	}
}

/* At the end every thread is gone, so every capability is back on its
 * container's list: the totals there are the whole story. */
void containers_report(void)
{
	static const char *const names[NR_BUDGETS] = {
		"threads", "spaces", "mutexes", "pt", "caps", "irqs"};

	printk("kernel: summary (budget peak/size):\n");
	for (uint32_t i = 0; i < nr_containers; i++) {
		const struct container *c = &containers[i];
		uint32_t peak[NR_BUDGETS] = {0}, size[NR_BUDGETS] = {0};

		budget_totals(c, peak, size);
		printk("kernel:   %-16s exit %4d", c->name, c->exit_code);
		for (unsigned r = 0; r < NR_BUDGETS; r++)
			printk("  %s %u/%u", names[r], (unsigned)peak[r],
			       (unsigned)size[r]);
		printk("\n");
	}
}

int containers_exit_status(void)
{
	for (uint32_t i = 0; i < nr_containers; i++) {
		if (containers[i].exit_code)
			return containers[i].exit_code;
	}
	return 0;
}
