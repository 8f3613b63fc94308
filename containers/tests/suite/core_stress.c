/*
 * Stress: 64 threads at once, 32 client/server pairs doing ipc ping-pong,
 * then 64 threads incrementing one counter under a contended mutex; the
 * final counts must be exact.
 */
#include <tessera/errno.h>
#include <tessera/mutex.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define PAIRS 32
#define ROUNDS 50
#define INCREMENTERS 64
#define INCREMENTS 100

static volatile uint32_t total;
static struct mutex total_lock = MUTEX_INIT;

static int pong(uint32_t rounds)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	for (uint32_t i = 1; !err && i <= rounds; i++) {
		m.mr[0]++;
		m.tag = 0;
		err = i == rounds ? ipc_send(m.from, &m)
				  : ipc_reply_wait(m.from, &m);
	}
	return err;
}

static int ping(uint32_t server)
{
	struct ipc_msg m = {0};

	for (uint32_t i = 0; i < ROUNDS; i++) {
		m.tag = 0;
		m.mr[0] = i * 2;
		int err = ipc_call(server, &m);
		if (err)
			return err;
		if (m.mr[0] != i * 2 + 1)
			return -1000 - (int)i;
	}
	mutex_lock(&total_lock);
	total += ROUNDS;
	mutex_unlock(&total_lock);
	return 0;
}

static int add_many(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		mutex_lock(&total_lock);
		uint32_t v = total;
		if ((i & 7) == 0)
			sys_yield();
		total = v + 1;
		mutex_unlock(&total_lock);
	}
	return 0;
}

TEST_CASE(stress, ipc_ping_pong_64_threads)
{
	int servers[PAIRS], clients[PAIRS];

	total = 0;
	for (int i = 0; i < PAIRS; i++) {
		servers[i] = spawn(pong, ROUNDS);
		EXPECT_GT(servers[i], 0);
		clients[i] = spawn(ping, (uint32_t)servers[i]);
		EXPECT_GT(clients[i], 0);
	}
	int failures = 0;
	for (int i = 0; i < PAIRS; i++) {
		failures += spawn_wait(clients[i]) != 0;
		failures += spawn_wait(servers[i]) != 0;
	}
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(total, PAIRS * ROUNDS);
}

TEST_CASE(stress, contended_mutex_64_threads)
{
	int tids[INCREMENTERS];

	total = 0;
	for (int i = 0; i < INCREMENTERS; i++) {
		tids[i] = spawn(add_many, INCREMENTS);
		EXPECT_GT(tids[i], 0);
	}
	int failures = 0;
	for (int i = 0; i < INCREMENTERS; i++)
		failures += spawn_wait(tids[i]) != 0;
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(total, INCREMENTERS * INCREMENTS);
	EXPECT_EQ(total_lock.word, 0);
}

const struct test_case core_stress_tests[] = {
	TEST_ENTRY(stress, ipc_ping_pong_64_threads),
	TEST_ENTRY(stress, contended_mutex_64_threads),
	TEST_TABLE_END,
};
