/*
 * victim: keeps doing checked work while every other container of the
 * fault-injection run crashes, restarts or is killed around it, and shows
 * at the end that none of it touched its data.
 *
 * Every round it
 *  - checks a 64 KiB buffer (its own memory entry) against a checksum kept
 *    in its program's data, and a counter against its complement;
 *  - changes one word of the buffer (which word and to what depend only on
 *    the round number) and updates the checksum;
 *  - calls its helper thread, which answers with a function of the words
 *    sent and counts the requests.
 * The helper also answers the killer's progress questions and, when the
 * killer says "done", lets the victim finish: the victim rebuilds the
 * buffer from the round count alone, compares it word by word, prints its
 * TEST lines and hands its tally to the killer through the helper.
 */
#include <stddef.h>
#include "../common/fi.h"

#define SUITE "victim"
#define WORDS (FI_VICTIM_BUF_SIZE / 4)

static volatile uint32_t *const buf = (volatile uint32_t *)FI_VICTIM_BUF;
static uint32_t expect[WORDS]; /* the rebuilt buffer, at the end */
static uint32_t sum, sum_check;         /* checksum, and its complement */
static uint32_t counter, counter_check; /* rounds done, and complement */
static volatile uint32_t done, requests, rounds_done, killer;
static struct fi_tally tally;

static uint8_t helper_stack[2048] __attribute__((aligned(8)));
static struct utcb helper_utcb __attribute__((aligned(UTCB_SIZE)));

static uint32_t initial(uint32_t i)
{
	return (i * 0x9e3779b9u) ^ 0xa5a5a5a5u;
}

static uint32_t slot_of(uint32_t round)
{
	return (round * 2654435761u >> 7) % WORDS;
}

static uint32_t value_of(uint32_t round)
{
	return round * 0x85ebca6bu + 0x3c6ef372u;
}

static uint32_t answer_of(uint32_t round, uint32_t value)
{
	return (value ^ round) * 0xc2b2ae35u + 1u;
}

/* Position-weighted sum: a change of any one word changes it, since every
 * weight (2i + 1) is odd; one word's change updates it in O(1). */
static uint32_t checksum(void)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < WORDS; i++)
		s += buf[i] * (2 * i + 1);
	return s;
}

/* Serves the victim's rounds and the killer's questions. */
static int helper(uint32_t victim)
{
	struct ipc_msg m = {0};

	for (;;) {
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		uint32_t label = IPC_TAG_LABEL(m.tag), from = m.from;
		if (label == FI_WORK && from == victim) {
			requests++;
			m.mr[0] = answer_of(m.mr[0], m.mr[1]);
			m.mr[1] = requests;
		} else if (label == FI_PROGRESS) {
			m.mr[0] = rounds_done;
		} else if (label == FI_DONE && !killer) {
			killer = from; /* answered with the tally, at the end */
			done = 1;
			continue;
		} else if (label == FI_FINAL && from == victim && killer) {
			fi_answer(killer, &m); /* passed, failed, rounds */
			fi_answer(victim, &m);
			return 0;
		} else {
			m.mr[0] = 0xbadu;
		}
		fi_answer(from, &m);
	}
}

int main(void)
{
	uint32_t bad_sums = 0, bad_counters = 0, ipc_errors = 0,
		 bad_answers = 0, bad_counts = 0, mismatches = 0;
	uint32_t me = fi_self();

	for (uint32_t i = 0; i < WORDS; i++)
		buf[i] = initial(i);
	sum = checksum();
	sum_check = ~sum;
	counter_check = ~counter;
	int tid = fi_spawn(TC_SAME_SPACE, helper, me,
			   helper_stack + sizeof(helper_stack), &helper_utcb);
	if (tid < 0 || sys_thread_run((uint32_t)tid) != 0 ||
	    fi_checkin(FI_VICTIM, (uint32_t)tid, NULL) < 0) {
		printf("victim: cannot start (%d)\n", tid);
		return 1;
	}

	while (!done) {
		uint32_t r = counter + 1;

		/* what the last round left must still be there */
		if (checksum() != sum || sum != ~sum_check)
			bad_sums++;
		if (counter != ~counter_check || counter != rounds_done)
			bad_counters++;
		/* this round's change */
		uint32_t i = slot_of(r), v = value_of(r);
		sum += (v - buf[i]) * (2 * i + 1);
		sum_check = ~sum;
		buf[i] = v;
		/* and its helper's part */
		struct ipc_msg m = {.mr = {r, v}};
		if (fi_call((uint32_t)tid, FI_WORK, &m) != 0)
			ipc_errors++;
		else if (m.mr[0] != answer_of(r, v))
			bad_answers++;
		else if (m.mr[1] != r)
			bad_counts++;
		counter = r;
		counter_check = ~r;
		rounds_done = r;
	}

	/* rebuild from the round count alone and compare */
	for (uint32_t i = 0; i < WORDS; i++)
		expect[i] = initial(i);
	for (uint32_t r = 1; r <= counter; r++)
		expect[slot_of(r)] = value_of(r);
	for (uint32_t i = 0; i < WORDS; i++)
		mismatches += buf[i] != expect[i];

	printf("victim: %u rounds\n", (unsigned)counter);
	fi_result(&tally, SUITE, "checksum_held_every_round",
		  bad_sums == 0 && counter > 0,
		  "%u of %u rounds found the buffer changed",
		  (unsigned)bad_sums, (unsigned)counter);
	fi_result(&tally, SUITE, "counter_consistent_every_round",
		  bad_counters == 0, "%u of %u rounds found the counter wrong",
		  (unsigned)bad_counters, (unsigned)counter);
	fi_result(&tally, SUITE, "helper_answered_every_round",
		  ipc_errors == 0 && bad_answers == 0 && bad_counts == 0,
		  "%u ipc errors, %u wrong answers, %u wrong counts in %u "
		  "rounds", (unsigned)ipc_errors, (unsigned)bad_answers,
		  (unsigned)bad_counts, (unsigned)counter);
	fi_result(&tally, SUITE, "data_intact_at_end",
		  mismatches == 0 && checksum() == sum &&
			  requests == counter,
		  "%u words differ from the rebuilt buffer; checksum %s; "
		  "helper counted %u requests for %u rounds",
		  (unsigned)mismatches, checksum() == sum ? "right" : "wrong",
		  (unsigned)requests, (unsigned)counter);

	struct ipc_msg m = {.mr = {tally.passed, tally.failed, counter}};
	int err = fi_call((uint32_t)tid, FI_FINAL, &m);
	int code = sys_thread_wait((uint32_t)tid, NULL);
	if (err || code) {
		printf("victim: helper ended with %d (final call %d)\n", code,
		       err);
		return 1;
	}
	return tally.failed ? 1 : 0;
}
