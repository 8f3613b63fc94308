/* Checking the boot info's shape before the kernel reads it (see
 * <kernel/bootinfo_check.h>). All sizes in 64 bits: nothing wraps. */
#include <kernel/bootinfo_check.h>
#include <kernel/panic.h>
#include <kernel/runq.h>

static const struct image_part *part_of(const struct image_header *image,
					uint32_t i)
{
	return (const void *)((const uint8_t *)image + image->header_size +
			      i * image->part_size);
}

static void check_container(const struct image_header *image,
			    const struct bootinfo_header *bi,
			    const struct bootinfo_container *d, uint32_t i)
{
	if (d->nr_regions > BOOTINFO_MAX_REGIONS)
		panic("boot info: container %u: %u regions, at most %u",
		      (unsigned)i, (unsigned)d->nr_regions,
		      (unsigned)BOOTINFO_MAX_REGIONS);
	if (d->nr_caps > BOOTINFO_MAX_CAPS ||
	    (uint64_t)d->first_cap + d->nr_caps > bi->nr_caps)
		panic("boot info: container %u: capabilities %u+%u outside "
		      "the %u it holds",
		      (unsigned)i, (unsigned)d->first_cap,
		      (unsigned)d->nr_caps, (unsigned)bi->nr_caps);
	if (d->program_part >= image->nr_parts ||
	    part_of(image, d->program_part)->kind != IMAGE_PART_CONTAINER)
		panic("boot info: container %u: program part %u is not a "
		      "container program",
		      (unsigned)i, (unsigned)d->program_part);
	if (d->restart > BI_RESTART_CORE)
		panic("boot info: container %u: restart policy %u",
		      (unsigned)i, (unsigned)d->restart);
	if (d->cpu_budget_us > d->cpu_period_us)
		panic("boot info: container %u: CPU budget %u us over its "
		      "period %u us",
		      (unsigned)i, (unsigned)d->cpu_budget_us,
		      (unsigned)d->cpu_period_us);
	/* every priority the kernel gives a thread is one of these, and the
	 * ipc fast path counts on it (runq_level_of_valid) */
	if (d->priority < SCHED_PRIO_MIN || d->priority > SCHED_PRIO_MAX)
		panic("boot info: container %u \"%.*s\": priority %u, not "
		      "%u..%u",
		      (unsigned)i, (int)BOOTINFO_NAME_LEN, d->name,
		      (unsigned)d->priority, (unsigned)SCHED_PRIO_MIN,
		      (unsigned)SCHED_PRIO_MAX);
	/* CONFIG_NR_CPUS is 1..8 (Kconfig): the shift stays below 32 */
	if (d->cpu_mask == 0)
		panic("boot info: container %u \"%.*s\": CPU mask 0, no CPU "
		      "to run on",
		      (unsigned)i, (int)BOOTINFO_NAME_LEN, d->name);
	if (d->cpu_mask >> CONFIG_NR_CPUS)
		panic("boot info: container %u \"%.*s\": CPU mask 0x%x names "
		      "a CPU at or above CONFIG_NR_CPUS (%u)",
		      (unsigned)i, (int)BOOTINFO_NAME_LEN, d->name,
		      (unsigned)d->cpu_mask, (unsigned)CONFIG_NR_CPUS);
}

void bootinfo_check(const struct image_header *image,
		    const struct bootinfo_header *bi)
{
	BUG_ON(image->bootinfo_part >= image->nr_parts,
	       "image table: no boot-info part");
	uint64_t size = part_of(image, image->bootinfo_part)->raw_size;

	if (size < sizeof(*bi))
		panic("boot info: %u bytes, smaller than its header",
		      (unsigned)size);
	if (bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION ||
	    bi->container_size != sizeof(struct bootinfo_container) ||
	    bi->cap_size != sizeof(struct bootinfo_cap))
		panic("boot info: magic 0x%08x version %u sizes %u/%u, this "
		      "kernel reads version %u",
		      (unsigned)bi->magic, (unsigned)bi->version,
		      (unsigned)bi->container_size, (unsigned)bi->cap_size,
		      (unsigned)BOOTINFO_VERSION);
	uint64_t descs_end = sizeof(*bi) +
			     (uint64_t)bi->nr_containers *
				 sizeof(struct bootinfo_container);
	if (bi->nr_containers > BOOTINFO_MAX_CONTAINERS || descs_end > size)
		panic("boot info: %u containers do not fit its %u bytes",
		      (unsigned)bi->nr_containers, (unsigned)size);
	if (bi->caps_offset % 4 || bi->caps_offset < descs_end ||
	    (uint64_t)bi->caps_offset +
		    (uint64_t)bi->nr_caps * sizeof(struct bootinfo_cap) >
		size)
		panic("boot info: %u capabilities at offset %u do not fit its "
		      "%u bytes after the containers",
		      (unsigned)bi->nr_caps, (unsigned)bi->caps_offset,
		      (unsigned)size);
	const struct bootinfo_container *d = (const void *)(bi + 1);
	for (uint32_t i = 0; i < bi->nr_containers; i++)
		check_container(image, bi, &d[i], i);
}
