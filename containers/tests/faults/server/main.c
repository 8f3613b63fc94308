/*
 * server: restart = "on-failure", limit 1.
 *
 * First life: takes two of the clients' calls and never answers them, so
 * two callers wait for its reply and the third waits in its send queue;
 * then it tells the killer and waits. The killer destroys it (exit code
 * -E_DEAD, reported as "destroyed").
 *
 * Second life (the kernel's restart, from the pristine program): answers
 * one call of the clients, MR0 + 1, and exits with 0.
 */
#include <stddef.h>
#include "../common/fi.h"

int main(void)
{
	struct ipc_msg m = {0}, held[2];
	uint32_t right = 1;
	int life = fi_checkin(FI_SERVER, 0, NULL);

	if (life < 0)
		return 1;
	if (life > 0) {
		if (ipc_receive(IPC_ANY, &m) != 0 ||
		    IPC_TAG_LABEL(m.tag) != FI_SERVE)
			return 3;
		m.mr[0]++;
		return fi_answer(m.from, &m) ? 4 : 0;
	}
	for (int i = 0; i < 2; i++) {
		held[i] = (struct ipc_msg){0};
		if (ipc_receive(IPC_ANY, &held[i]) != 0 ||
		    IPC_TAG_LABEL(held[i].tag) != FI_SERVE)
			right = 0;
	}
	m.mr[0] = held[0].from;
	m.mr[1] = held[1].from;
	m.mr[2] = right;
	fi_call(FI_KILLER_TID, FI_HOLDING, &m); /* never answered */
	printf("server: the killer answered: not destroyed\n");
	return 2;
}
