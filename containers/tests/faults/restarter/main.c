/*
 * restarter: fails at once, every life (restart = "always", limit 200).
 * The check-in only lets the killer pace the lives and know when each has
 * been torn down; nothing is done in between.
 */
#include <stddef.h>
#include "../common/fi.h"

int main(void)
{
	fi_checkin(FI_RESTARTER, 0, NULL);
	return 1;
}
