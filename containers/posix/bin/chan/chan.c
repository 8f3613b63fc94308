/*
 * chan NAME N: calls the pager of container NAME, through the channel the
 * manifest grants the POSIX container (docs/posix.md, "Channels to other
 * containers"), with label 1 and N in MR0, and prints the answer's MR0.
 * Exit 0 when the call was answered, 1 without a channel, 2 when the call
 * failed. The POSIX test system's echo answers N + 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <tessera/sys.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: chan NAME N\n");
		return 64;
	}
	int tid = channel_lookup(argv[1]);
	if (tid < 0) {
		printf("chan: no channel to %s (%d)\n", argv[1], tid);
		return 1;
	}
	struct ipc_msg m = {.tag = IPC_TAG(1, 1, IPC_TYPE_SHORT, 0),
			    .mr = {(uint32_t)strtoul(argv[2], 0, 0)}};
	int err = ipc_call((uint32_t)tid, &m);
	if (err) {
		printf("chan: the call to %s failed (%d)\n", argv[1], err);
		return 2;
	}
	printf("chan: %s answered %u\n", argv[1], (unsigned)m.mr[0]);
	return 0;
}
