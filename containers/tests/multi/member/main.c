/*
 * member: one program for every container of the multi-container test
 * (configs/multi_test.toml, qemu_virt_multi_test_defconfig). The build
 * links it once per container, at that container's virtual address.
 *
 * Container K of N (getid, the KIP) is named "member<K>" in the manifest
 * and has one channel, to member<K+1 mod N>. Its cases print TEST lines
 * named after the container, "TEST member<K>.<case> PASS|FAIL <why>":
 *
 *   starts_alone            its own pager, no pager above it, its region
 *                           from the kernel is where it was linked
 *   caps_are_its_own        every capability is on its container's list;
 *                           operations target its own container except one
 *                           ipc channel, to the next member; memory: its
 *                           own region and the default virtual range only
 *   own_memory_maps         its own page maps at a second address (the
 *                           positive control for the refusals below)
 *   served_while_all_busy   every member spins until one tick on the clock;
 *                           at any priority it runs before that tick
 *   ipc_only_to_its_channel a send to every thread id: exactly one thread
 *                           outside its container takes it (its neighbour),
 *                           every other member's refuses it (-E_PERM)
 *   token_ring              a token goes round the ring of channels, each
 *                           member adds one; member0 gets back N
 *   neighbour_memory_unmappable  the token carries the sender's region: it
 *                           lies apart from ours, and mapping it is refused
 *   memory_private_at_shared_address  members linked at the same virtual
 *                           address each find their own marker there
 *
 * A second round of the token adds up the results: member0 prints the one
 * "N passed, N failed" line for the whole system (tools/harness.py), after
 * every member has reported, and exits with 1 if anything failed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define LABEL_PROBE 0x100
#define LABEL_TOKEN 0x101 /* MR0 count, MR1/MR2 sender's region, MR3 my_index */
#define LABEL_TALLY 0x102 /* MR0 members, MR1 passed, MR2 failed */

#define ALIAS_VA 0x30000000u
#define PAGE 4096u
#define MARKER_MAGIC 0x4d454d00u /* "MEM" + my_index */
#define BUSY_UNTIL_TICK 150      /* every member spins until then */
#define DEFAULT_VIRT_BASE 0x1000u
#define DEFAULT_VIRT_SIZE (KIP_ADDRESS - DEFAULT_VIRT_BASE)

extern char _start[];

static char name[16];
static uint32_t my_index, members, me, next_tid;
static unsigned passed, failed;
static char why[200];
static volatile uint32_t marker;
static struct cap_info caps[64];
static struct ipc_msg token; /* the last one received */

static bool fail(int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(why, sizeof(why), "%s:%d: ", __FILE__, line);

	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
	return false;
}

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			return fail(__LINE__, __VA_ARGS__);                    \
	} while (0)

static void report(const char *test, bool ok)
{
	if (ok) {
		passed++;
		printf("TEST %s.%s PASS\n", name, test);
	} else {
		failed++;
		printf("TEST %s.%s FAIL %s\n", name, test, why);
	}
}

static uint32_t phys_of(const volatile void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

/* ---- cases ---------------------------------------------------------------- */

static bool starts_alone(void)
{
	struct sys_ids ids;

	CHECK(sys_getid(&ids) == (int)ids.tid, "getid");
	CHECK(ids.container == my_index && my_index < members,
	      "container %u of %u", (unsigned)ids.container,
	      (unsigned)members);
	CHECK(ids.tgid == ids.tid, "tgid %u, tid %u", (unsigned)ids.tgid,
	      (unsigned)ids.tid);
	CHECK(ids.pager == 0, "a container's first pager has no pager, got %u",
	      (unsigned)ids.pager);
	CHECK(container_region.virt == (uint32_t)(uintptr_t)_start,
	      "region at 0x%08x, linked at %p",
	      (unsigned)container_region.virt, (void *)_start);
	CHECK(container_region.size >= PAGE && container_region.phys % PAGE == 0,
	      "region 0x%08x+0x%x", (unsigned)container_region.phys,
	      (unsigned)container_region.size);
	return true;
}

static bool caps_are_its_own(void)
{
	int n = cap_read(caps, 64);
	unsigned physmem = 0, virtmem = 0, channels = 0, own_ops = 0;

	CHECK(n > 0 && n == cap_count(), "cap_read %d, cap_count %d", n,
	      cap_count());
	for (int i = 0; i < n; i++) {
		const struct cap_info *c = &caps[i];
		uint32_t kind = c->resource & CAP_KIND_MASK;

		CHECK(c->list == CAP_LIST_CONTAINER && c->holder == my_index,
		      "cap %u (resource 0x%x) on list %u of %u",
		      (unsigned)c->id, (unsigned)c->resource,
		      (unsigned)c->list, (unsigned)c->holder);
		if (kind == CAP_KIND_OPERATION) {
			CHECK(c->target_kind == CAP_TGT_CONTAINER,
			      "cap %u target kind %u", (unsigned)c->id,
			      (unsigned)c->target_kind);
			if (c->target == my_index) {
				own_ops++;
				continue;
			}
			CHECK(c->resource == CAP_RES_IPC &&
				      c->target == (my_index + 1) % members &&
				      c->ops == CAP_OP_IPC_SEND,
			      "cap %u (resource 0x%x, ops 0x%x) on container "
			      "%u, not its channel",
			      (unsigned)c->id, (unsigned)c->resource,
			      (unsigned)c->ops, (unsigned)c->target);
			channels++;
		} else if (c->resource == CAP_RES_PHYSMEM) {
			CHECK(c->base == container_region.phys &&
				      c->size == container_region.size,
			      "physical memory 0x%08x+0x%x, region 0x%08x+0x%x",
			      (unsigned)c->base, (unsigned)c->size,
			      (unsigned)container_region.phys,
			      (unsigned)container_region.size);
			physmem++;
		} else if (c->resource == CAP_RES_VIRTMEM) {
			CHECK(c->base == DEFAULT_VIRT_BASE &&
				      c->size == DEFAULT_VIRT_SIZE,
			      "virtual range 0x%08x+0x%x", (unsigned)c->base,
			      (unsigned)c->size);
			virtmem++;
		} else {
			CHECK(kind == CAP_KIND_QUANTITY && c->used == 0,
			      "cap %u resource 0x%x used %u", (unsigned)c->id,
			      (unsigned)c->resource, (unsigned)c->used);
		}
	}
	CHECK(physmem == 1 && virtmem == 1,
	      "%u physical, %u virtual memory capabilities", physmem, virtmem);
	CHECK(channels == 1, "%u channels", channels);
	CHECK(own_ops == 7, "%u operation capabilities on itself", own_ops);
	return true;
}

static bool own_memory_maps(void)
{
	uint32_t page = phys_of(&marker) & ~(PAGE - 1);
	uint32_t offset = (uint32_t)(uintptr_t)&marker & (PAGE - 1);
	int err = sys_map(page, ALIAS_VA, 1, MAP_ATTR_READ, 0);

	CHECK(err == 0, "map of its own page 0x%08x: %d", (unsigned)page, err);
	uint32_t seen = *(volatile uint32_t *)(uintptr_t)(ALIAS_VA + offset);
	err = sys_unmap(ALIAS_VA, 1, 0);
	CHECK(seen == marker, "alias reads 0x%08x, marker 0x%08x",
	      (unsigned)seen, (unsigned)marker);
	CHECK(err == 1, "unmap: %d", err);
	return true;
}

static unsigned clock_moves;
static volatile uint32_t work_sink; /* keeps the busy work from vanishing */

static bool served_while_all_busy(void)
{
	uint64_t start, now, last;
	uint32_t hz, x = my_index;

	sys_time(&start, &hz);
	last = now = start;
	while (now < BUSY_UNTIL_TICK) {
		for (int i = 0; i < 1000; i++) /* some work between looks */
			x = x * 1103515245u + 12345u;
		sys_time(&now, &hz);
		if (now != last) {
			clock_moves++;
			last = now;
		}
	}
	work_sink = x;
	printf("%s: busy from tick %u to %u: saw the clock move %u times\n",
	       name, (unsigned)start, BUSY_UNTIL_TICK, clock_moves);
	CHECK(start < BUSY_UNTIL_TICK,
	      "first ran at tick %u, after the others' busy phase",
	      (unsigned)start);
	CHECK(clock_moves >= 1, "never saw the clock move while busy");
	return true;
}

static bool ipc_only_to_its_channel(void)
{
	unsigned accepted = 0, refused = 0, absent = 0;

	for (uint32_t tid = 1; tid < CONFIG_MAX_THREADS; tid++) {
		struct ipc_msg m = {
			IPC_TAG(LABEL_PROBE, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
			{0}, 0};
		int err;

		if (tid == me)
			continue;
		err = ipc_send(tid, &m);
		if (err == 0 || err == -E_BUSY) {
			accepted++;
			next_tid = tid;
		} else if (err == -E_PERM) {
			refused++;
		} else if (err == -E_NOENT) {
			absent++;
		} else {
			CHECK(false, "send to thread %u: %d", (unsigned)tid,
			      err);
		}
	}
	printf("%s: ipc to every thread id: %u taken (thread %u, its "
	       "neighbour), %u refused, %u absent\n", name, accepted,
	       (unsigned)next_tid, refused, absent);
	CHECK(accepted == 1, "%u threads take a send, expected 1", accepted);
	CHECK(refused >= members - 2,
	      "%u sends refused, expected the other %u members'", refused,
	      (unsigned)members - 2);
	return true;
}

/* Receive the next message with `label` (probes are ignored). */
static int receive(uint32_t label)
{
	int err;

	do {
		err = ipc_receive(IPC_ANY, &token);
	} while (err == 0 && IPC_TAG_LABEL(token.tag) == LABEL_PROBE);
	if (err == 0 && IPC_TAG_LABEL(token.tag) != label)
		return -E_INVAL;
	return err;
}

static int ring_send(uint32_t label, uint32_t a, uint32_t b, uint32_t c,
		uint32_t d)
{
	struct ipc_msg m = {IPC_TAG(label, 0, IPC_TYPE_SHORT, 0), {a, b, c, d},
			    0};
	return ipc_send(next_tid, &m);
}

static bool token_ring(int err)
{
	uint32_t want = my_index ? my_index : members;

	CHECK(err == 0, "token: %d", err);
	CHECK(token.mr[0] == want, "token count %u, expected %u",
	      (unsigned)token.mr[0], (unsigned)want);
	CHECK(token.mr[3] == (my_index + members - 1) % members,
	      "token from member%u", (unsigned)token.mr[3]);
	return true;
}

static bool neighbour_memory_unmappable(int err)
{
	uint32_t phys = token.mr[1], size = token.mr[2];
	uint32_t own = container_region.phys, own_size = container_region.size;

	CHECK(err == 0 && size >= PAGE, "no region in the token");
	CHECK(phys + size <= own || own + own_size <= phys,
	      "neighbour's region 0x%08x+0x%x overlaps ours 0x%08x+0x%x",
	      (unsigned)phys, (unsigned)size, (unsigned)own,
	      (unsigned)own_size);
	err = sys_map(phys, ALIAS_VA, 1, MAP_ATTR_READ, 0);
	CHECK(err == -E_PERM, "map of its first page: %d", err);
	err = sys_map(phys + size - PAGE, ALIAS_VA, 1, MAP_ATTR_READ, 0);
	CHECK(err == -E_PERM, "map of its last page: %d", err);
	printf("%s: member%u's region 0x%08x+0x%x is not ours: map refused\n",
	       name, (unsigned)token.mr[3], (unsigned)phys, (unsigned)size);
	return true;
}

static bool memory_private_at_shared_address(void)
{
	CHECK(marker == (MARKER_MAGIC | my_index),
	      "marker at %p holds 0x%08x, expected 0x%08x", (void *)&marker,
	      (unsigned)marker, (unsigned)(MARKER_MAGIC | my_index));
	return true;
}

/* ---- the ring ------------------------------------------------------------- */

int main(void)
{
	struct sys_ids ids;
	int err;

	sys_getid(&ids);
	me = ids.tid;
	my_index = ids.container;
	members = kip_get()->nr_containers;
	marker = MARKER_MAGIC | my_index;
	snprintf(name, sizeof(name), "member%u", (unsigned)my_index);
	printf("%s: thread %u, region 0x%08x+0x%x at 0x%08x, marker at %p\n",
	       name, (unsigned)me, (unsigned)container_region.phys,
	       (unsigned)container_region.size,
	       (unsigned)container_region.virt, (void *)&marker);

	report("starts_alone", starts_alone());
	report("caps_are_its_own", caps_are_its_own());
	report("own_memory_maps", own_memory_maps());
	report("served_while_all_busy", served_while_all_busy());
	report("ipc_only_to_its_channel", ipc_only_to_its_channel());
	if (!next_tid) {
		printf("%s: no neighbour: the ring is broken\n", name);
		return 1;
	}

	/* round 1: the token */
	if (my_index == 0)
		ring_send(LABEL_TOKEN, 1, container_region.phys,
		     container_region.size, my_index);
	err = receive(LABEL_TOKEN);
	report("token_ring", token_ring(err));
	report("neighbour_memory_unmappable", neighbour_memory_unmappable(err));
	if (my_index != 0)
		ring_send(LABEL_TOKEN, token.mr[0] + 1, container_region.phys,
		     container_region.size, my_index);

	/* round 2: every member has started and written its marker */
	if (my_index == 0) {
		report("memory_private_at_shared_address",
		       memory_private_at_shared_address());
		ring_send(LABEL_TALLY, 1, passed, failed, 0);
		err = receive(LABEL_TALLY);
		printf("%s: %u passed, %u failed here; %u members reported\n",
		       name, passed, failed,
		       err ? 0 : (unsigned)token.mr[0]);
		if (err || token.mr[0] != members) {
			printf("%s: the tally did not come round\n", name);
			return 1;
		}
		printf("%u passed, %u failed\n", (unsigned)token.mr[1],
		       (unsigned)token.mr[2]);
		return token.mr[2] ? 1 : 0;
	}
	err = receive(LABEL_TALLY);
	report("memory_private_at_shared_address",
	       memory_private_at_shared_address());
	printf("%s: %u passed, %u failed here\n", name, passed, failed);
	if (err == 0)
		ring_send(LABEL_TALLY, token.mr[0] + 1, token.mr[1] + passed,
		     token.mr[2] + failed, 0);
	return failed || err ? 1 : 0;
}
