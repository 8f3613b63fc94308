/*
 * client: finds the service, sends it REQUESTS requests (CRC-32 of a buffer
 * as an extended message, sums of words as full messages), checks every
 * answer against its own computation, reports progress, and finally tells
 * the service to quit.
 *
 * Finding the service. The manifest gives this container exactly one
 * operation capability: ipc send to the service's container (channels =
 * ["service"], own_caps = false). channel_lookup("service") asks the kernel
 * for the first pager of the container of that name, which it answers only
 * to a holder of a channel to it (anyone else gets -E_NOENT, as for a name
 * no container has). The client then says hello, which the service prints.
 *
 * Labels as in containers/examples/service/main.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define REQ_HELLO 0x100
#define REQ_CRC32 0x101
#define REQ_SUM 0x102
#define REQ_QUIT 0x103
#define REPLY_OK 0x200

#define REQUESTS 64
#define PROGRESS_EVERY 16
#define PAUSE_EVERY 8 /* requests between pauses, so the others get on */
#define PAUSE_TICKS 2

static uint8_t buf[IPC_EXT_MAX];
static uint32_t crc_table[256];
static uint32_t rng = 0x2545f491u;

static uint32_t rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Table-driven CRC-32 (the service computes it bit by bit). */
static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_table(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

/* The service's thread, by the name its manifest gave it; 0 if none. */
static uint32_t find_service(void)
{
	int tid = channel_lookup("service");
	struct ipc_msg m = {IPC_TAG(REQ_HELLO, 0, IPC_TYPE_SHORT, 0), {0}, 0};

	if (tid < 0) {
		printf("client: channel_lookup(\"service\"): %d\n", tid);
		return 0;
	}
	if (ipc_send((uint32_t)tid, &m) != 0)
		return 0;
	return (uint32_t)tid;
}

/* One request; returns true when the answer is right. */
static bool crc_request(uint32_t service, const uint8_t *data, uint32_t len,
			uint32_t *answer)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {IPC_TAG(REQ_CRC32, 0, IPC_TYPE_EXT, 0), {0}, 0};

	u->ext_send_buf = (uint32_t)(uintptr_t)data;
	u->ext_send_len = len;
	if (ipc_call(service, &m) < 0)
		return false;
	*answer = m.mr[0];
	return m.from == service && IPC_TAG_LABEL(m.tag) == REPLY_OK &&
	       m.mr[0] == crc32_table(data, len) && m.mr[1] == len;
}

static bool sum_request(uint32_t service, uint32_t words, uint32_t *answer)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {IPC_TAG(REQ_SUM, words, IPC_TYPE_FULL, 0), {0}, 0};
	uint32_t sum = 0;

	for (uint32_t i = 0; i < words; i++)
		sum += u->mr[i] = rand32();
	if (ipc_call(service, &m) < 0)
		return false;
	*answer = m.mr[0];
	return m.from == service && IPC_TAG_LABEL(m.tag) == REPLY_OK &&
	       m.mr[0] == sum && m.mr[1] == words;
}

int main(void)
{
	static const char check[] = "123456789";
	struct sys_ids ids;
	uint32_t service, answer = 0;
	unsigned correct = 0;

	sys_getid(&ids);
	crc_init();
	service = find_service();
	if (!service) {
		printf("client: no service at the end of our channel\n");
		return 1;
	}
	printf("client: container %u, thread %u: the service is thread %u "
	       "(channel_lookup of our channel \"service\")\n",
	       (unsigned)ids.container, (unsigned)ids.tid, (unsigned)service);

	for (unsigned i = 1; i <= REQUESTS; i++) {
		const char *what = i % 2 ? "crc32" : "sum";
		const char *unit = i % 2 ? "bytes" : "words";
		uint32_t size;
		bool ok;

		if (i == 1) { /* CRC-32's standard check value */
			size = 9;
			ok = crc_request(service, (const uint8_t *)check, size,
					 &answer) &&
			     answer == 0xcbf43926u;
		} else if (i % 2) {
			size = 1 + rand32() % IPC_EXT_MAX;
			for (uint32_t k = 0; k < size; k++)
				buf[k] = (uint8_t)rand32();
			ok = crc_request(service, buf, size, &answer);
		} else {
			size = 1 + rand32() % UTCB_MRS;
			ok = sum_request(service, size, &answer);
		}
		if (ok)
			correct++;
		else
			printf("client: request %u: %s of %u %s: WRONG answer "
			       "0x%08x\n", i, what, (unsigned)size, unit,
			       (unsigned)answer);
		if (i == 1 || i % PROGRESS_EVERY == 0)
			printf("client: %u/%u answers correct (request %u: %s "
			       "of %u %s = 0x%08x)\n", correct, i, i, what,
			       (unsigned)size, unit, (unsigned)answer);
		if (i % PAUSE_EVERY == 0)
			sys_pause_ticks(PAUSE_TICKS);
	}

	struct ipc_msg quit = {IPC_TAG(REQ_QUIT, 0, IPC_TYPE_SHORT, 0), {0}, 0};
	int err = ipc_call(service, &quit);
	printf("client: %u requests, %u answers correct; the service counted "
	       "%u\n", REQUESTS, correct, err < 0 ? 0 : (unsigned)quit.mr[0]);
	return correct == REQUESTS && err == 0 && quit.mr[0] == REQUESTS ? 0
									 : 1;
}
