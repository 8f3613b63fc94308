/*
 * service: answers requests over ipc until a client says "quit".
 *
 *   REQ_CRC32 (extended message, up to a page): MR0 = CRC-32 of the bytes,
 *             MR1 = how many bytes arrived
 *   REQ_SUM   (full message, n UTCB words):     MR0 = their sum (mod 2^32),
 *             MR1 = n
 *   REQ_QUIT  (short):                          MR0 = requests served; the
 *             service then exits
 *   REQ_HELLO (plain send, no reply): a client that found us by name
 *             (channel_lookup, see containers/examples/client)
 *
 * Replies need no capability: the kernel lets a thread answer a caller that
 * waits for its reply. So this container holds no operation capability at
 * all (own_caps = false in configs/demo.toml), only its memory.
 *
 * The protocol (labels) is shared with containers/examples/client/main.c by copy:
 * programs are separate directories and share only the user library.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define REQ_HELLO 0x100
#define REQ_CRC32 0x101
#define REQ_SUM 0x102
#define REQ_QUIT 0x103
#define REPLY_OK 0x200
#define REPLY_BAD 0x2ff

#define PROGRESS_EVERY 16

static uint8_t request_buf[IPC_EXT_MAX];

/* CRC-32 (IEEE 802.3, reflected, as zlib), bit by bit. The client checks
 * it with a table-driven version of its own. */
static uint32_t crc32_bitwise(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
	}
	return ~crc;
}

int main(void)
{
	struct utcb *u = utcb_self();
	struct sys_ids ids;
	struct ipc_msg m = {0};
	unsigned served = 0, crcs = 0, sums = 0, hellos = 0, bad = 0;
	int err;

	sys_getid(&ids);
	u->ext_recv_buf = (uint32_t)(uintptr_t)request_buf;
	u->ext_recv_size = sizeof(request_buf);
	printf("service: ready in container %u, thread %u; waiting for "
	       "requests\n", (unsigned)ids.container, (unsigned)ids.tid);

	err = ipc_receive(IPC_ANY, &m);
	for (;;) {
		uint32_t label = IPC_TAG_LABEL(m.tag), client = m.from;
		struct ipc_msg r = {IPC_TAG(REPLY_OK, 0, IPC_TYPE_SHORT, 0),
				    {0}, 0};

		if (err < 0) { /* a failed reply or receive: wait again */
			printf("service: ipc failed: %d\n", err);
			bad++;
			err = ipc_receive(IPC_ANY, &m);
			continue;
		}
		switch (label) {
		case REQ_HELLO: /* a plain send: nobody waits for a reply */
			hellos++;
			printf("service: hello from thread %u\n",
			       (unsigned)client);
			err = ipc_receive(IPC_ANY, &m);
			continue;
		case REQ_CRC32:
			r.mr[0] = crc32_bitwise(request_buf, u->ext_recv_len);
			r.mr[1] = u->ext_recv_len;
			crcs++;
			break;
		case REQ_SUM: {
			uint32_t n = IPC_TAG_LENGTH(m.tag), sum = 0;
			for (uint32_t i = 0; i < n; i++)
				sum += u->mr[i];
			r.mr[0] = sum;
			r.mr[1] = n;
			sums++;
			break;
		}
		case REQ_QUIT:
			r.mr[0] = served;
			err = ipc_send(client, &r);
			printf("service: served %u requests (%u crc32, %u sum, "
			       "%u hello) for thread %u; told to quit%s\n",
			       served, crcs, sums, hellos, (unsigned)client,
			       bad ? ", with errors" : "");
			return err < 0 || bad ? 1 : 0;
		default:
			r.tag = IPC_TAG(REPLY_BAD, 0, IPC_TYPE_SHORT, 0);
			bad++;
			break;
		}
		if (r.tag == IPC_TAG(REPLY_OK, 0, IPC_TYPE_SHORT, 0) &&
		    ++served % PROGRESS_EVERY == 0)
			printf("service: %u requests served\n", served);
		/* answer and wait for the next request in one call */
		err = ipc_reply_wait(client, &r);
		m = r;
	}
}
