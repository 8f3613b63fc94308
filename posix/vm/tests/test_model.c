/*
 * Host test for posix/vm: the model-checked random walk of model.h over
 * fixed seeds (so a failure reproduces), thousands of steps each.
 */
#include "model.h"

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_random_walks(void **state)
{
	(void)state;
	static uint8_t bytes[40000];

	for (uint32_t seed = 1; seed <= 100; seed++) {
		uint32_t s = seed * 2654435761u;

		for (size_t i = 0; i < sizeof(bytes); i++)
			bytes[i] = (uint8_t)(xorshift(&s) >> 24);
		const struct model *m = model_run(bytes, sizeof(bytes));

		print_message(
		    "seed %u: %u writes, %u nonzero reads, %u forks, "
		    "%u maps, %u unmaps, %u mprotects, %u brks, %u shmats, "
		    "%u out of memory, chains up to %u\n",
		    seed, m->st.writes, m->st.reads_nonzero, m->st.forks,
		    m->st.maps, m->st.unmaps, m->st.protects, m->st.brks,
		    m->st.shmats, m->st.squeezed_failures, m->st.max_depth);
		/* the walk did what it is meant to check */
		assert_true(m->st.writes > 100 && m->st.reads_nonzero > 10);
		assert_true(m->st.forks > 20 && m->st.maps > 50);
		assert_true(m->st.max_depth >= 3 && m->st.brks > 20 &&
			    m->st.shmats > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_walks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
