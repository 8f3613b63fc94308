/*
 * secret: a container the POSIX container has no channel to
 * (configs/posix_test.toml, common/peer.h). It counts every message that
 * does not come from echo; echo's SECRET_DONE gets that count and ends it.
 */
#include <tessera/sys.h>
#include "../common/peer.h"

int main(void)
{
	int echo = channel_lookup("echo");
	uint32_t others = 0;

	if (echo < 0)
		return 1;
	for (;;) {
		struct ipc_msg m = {0};
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		if (m.from != (uint32_t)echo ||
		    IPC_TAG_LABEL(m.tag) != SECRET_DONE) {
			others++;
			continue;
		}
		struct ipc_msg r = {
		    .tag = IPC_TAG(0, 1, IPC_TYPE_SHORT, IPC_NONBLOCK),
		    .mr = {others}};
		ipc_send(m.from, &r);
		return 0;
	}
}
