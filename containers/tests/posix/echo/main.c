/*
 * echo: a service the POSIX container's processes reach through the
 * channel the manifest grants (configs/posix_test.toml, common/peer.h).
 * It has no channel back to the POSIX container, and one to secret, which
 * the processes must not reach. Ends with 0 after ECHO_DONE.
 */
#include <tessera/console.h>
#include <tessera/sys.h>
#include "../common/peer.h"

/* A nonblocking send to tid: what a container without a channel gets. */
static int probe(uint32_t tid)
{
	struct ipc_msg m = {.tag = IPC_TAG(99, 0, IPC_TYPE_SHORT,
					   IPC_NONBLOCK)};
	return ipc_send(tid, &m);
}

static void answer(uint32_t to, uint32_t r0, uint32_t r1)
{
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
			    .mr = {r0, r1}};
	ipc_send(to, &m);
}

/* Tells secret to end; the messages it had from others, or -1. */
static int stop_secret(uint32_t secret)
{
	struct ipc_msg m = {.tag = IPC_TAG(SECRET_DONE, 1, IPC_TYPE_SHORT, 0)};
	return ipc_call(secret, &m) == 0 ? (int)m.mr[0] : -1;
}

int main(void)
{
	int secret = channel_lookup("secret");
	if (secret < 0) {
		printf("echo: no channel to secret: %d\n", secret);
		return 1;
	}
	for (;;) {
		struct ipc_msg m = {0};
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		switch (IPC_TAG_LABEL(m.tag)) {
		case ECHO_ADD:
			answer(m.from, m.mr[0] + 1, 0);
			break;
		case ECHO_SECRET:
			answer(m.from, (uint32_t)secret, 0);
			break;
		case ECHO_PROBE:
			answer(m.from, (uint32_t)probe(m.mr[0]), 0);
			break;
		case ECHO_DONE: {
			int others = stop_secret((uint32_t)secret);
			answer(m.from, 0, (uint32_t)others);
			printf("echo: done, secret had %d messages from others\n",
			       others);
			return others == 0 ? 0 : 2;
		}
		default:
			answer(m.from, (uint32_t)-E_INVAL, 0);
		}
	}
}
