/*
 * pinned: a budgeted container with one thread pinned on each of two cores
 * (configs/cpu_smp.toml, CONFIG_NR_CPUS=2, tools/tests/test_cpu_budget.py).
 * Its budget applies on each core separately (docs/scheduling.md), so each
 * thread should get the budget's share of its core, and the budget running
 * out on one core must not hold back the thread on the other.
 *
 * Its first thread pins itself on core 0 and spins; OFFSET_US later it
 * starts a second thread pinned on core 1, which spins too, so the two
 * cores' activations are out of phase. Both spin until END_US after boot,
 * noting every stretch of at least GAP_US in which they did not run
 * (sys_time_us() jumped). At the end it prints, for each thread, how long
 * it was held back in stretches of at least HELD_US (its core's budget ran
 * out) and how much of that the other thread ran; the kernel's summary
 * gives the time each core charged.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/thread.h>

#define END_US 1050000u
#define OFFSET_US 3000u /* the second thread starts this much later */
#define GAP_US 200u     /* a jump this long: the thread did not run */
#define HELD_US 3000u   /* a gap this long: its core's budget ran out */
#define MAX_GAPS 4096

struct gap {
	uint32_t from, to; /* us since boot */
};

struct record {
	uint32_t start, end; /* us since boot */
	uint32_t nr_gaps, lost;
	uint32_t cpu;
	struct gap gaps[MAX_GAPS];
};

static struct record rec[2];
static uint8_t stack[2048] __attribute__((aligned(8)));
static struct utcb utcb __attribute__((aligned(UTCB_SIZE)));

/* Spin until `until` (us since boot), noting the gaps. */
static void spin(struct record *r, uint32_t until)
{
	uint32_t last = (uint32_t)sys_time_us();

	if (!r->start)
		r->start = last;
	while (last < until) {
		uint32_t now = (uint32_t)sys_time_us();

		if (now - last >= GAP_US) {
			if (r->nr_gaps < MAX_GAPS)
				r->gaps[r->nr_gaps++] = (struct gap){last, now};
			else
				r->lost++;
		}
		last = now;
	}
	r->end = last;
}

static int second(uint32_t arg)
{
	(void)arg;
	spin(&rec[1], END_US);
	return 0;
}

/* How long r ran within [from, to): its life there less its gaps. */
static uint32_t ran_within(const struct record *r, uint32_t from, uint32_t to)
{
	uint32_t a = from > r->start ? from : r->start;
	uint32_t b = to < r->end ? to : r->end;

	if (a >= b)
		return 0;
	uint32_t ran = b - a;
	for (uint32_t i = 0; i < r->nr_gaps; i++) {
		uint32_t ga = r->gaps[i].from > a ? r->gaps[i].from : a;
		uint32_t gb = r->gaps[i].to < b ? r->gaps[i].to : b;
		if (ga < gb)
			ran -= gb - ga;
	}
	return ran;
}

/* r's thread's held-back stretches and how much of them `other` ran. */
static void report(int i, const struct record *r, const struct record *other)
{
	uint32_t held = 0, times = 0, other_ran = 0, gaps = 0;
	uint32_t longest_short = 0;

	for (uint32_t g = 0; g < r->nr_gaps; g++) {
		uint32_t len = r->gaps[g].to - r->gaps[g].from;

		if (len < HELD_US) {
			gaps++;
			if (len > longest_short)
				longest_short = len;
			continue;
		}
		times++;
		held += len;
		other_ran += ran_within(other, r->gaps[g].from, r->gaps[g].to);
	}
	printf("pinned: thread %d on cpu %u ran %u us from %u to %u us, held "
	       "back %u times for %u us, the other thread ran %u us of "
	       "them; %u shorter gaps (longest %u us), %u not recorded\n",
	       i, (unsigned)r->cpu,
	       (unsigned)ran_within(r, r->start, r->end),
	       (unsigned)r->start, (unsigned)r->end, (unsigned)times,
	       (unsigned)held, (unsigned)other_ran, (unsigned)gaps,
	       (unsigned)longest_short, (unsigned)r->lost);
}

int main(void)
{
	uint32_t cpu = 99;

	if (sys_thread_cpus(0, 1u << 0, &cpu) < 0 || cpu != 0) {
		printf("pinned: cannot pin itself on cpu 0 (on %u)\n",
		       (unsigned)cpu);
		return 1;
	}
	rec[0].cpu = cpu;
	spin(&rec[0], (uint32_t)sys_time_us() + OFFSET_US);
	int tid = thread_prepare(TC_SAME_SPACE | TC_AS_PAGER, 0,
				 (uint32_t)(uintptr_t)thread_call_entry,
				 (uint32_t)(uintptr_t)&stack[sizeof(stack)],
				 (uint32_t)(uintptr_t)second, 0, &utcb);
	cpu = 99;
	if (tid <= 0 || sys_thread_cpus((uint32_t)tid, 1u << 1, &cpu) < 0 ||
	    cpu != 1 || sys_thread_run((uint32_t)tid) != 0) {
		printf("pinned: cannot start a thread on cpu 1 (tid %d, on "
		       "%u)\n", tid, (unsigned)cpu);
		return 1;
	}
	rec[1].cpu = cpu;
	/* A hint only: single-threaded QEMU runs one core at a time and would
	 * go on with this one until its next timer event (its budget running
	 * out, 5 ms on) before core 1 takes the IPI; `yield` lets it switch
	 * now, so the cores' activations are OFFSET_US apart, not 5 ms. */
	__asm__ volatile("yield");
	spin(&rec[0], END_US);
	sys_thread_wait(0, NULL);
	report(0, &rec[0], &rec[1]);
	report(1, &rec[1], &rec[0]);
	return 0;
}
