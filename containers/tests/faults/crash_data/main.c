/*
 * crash_data: a first pager that stores to an unmapped address. It has no
 * pager, so the kernel reports the data abort on the console and ends it
 * (exit code 128 + 4). restart = "always", limit 1: both lives crash.
 */
#include <stddef.h>
#include "../common/fi.h"

FI_DEFINE_STORE();

int main(void)
{
	if (fi_checkin(FI_CRASH_DATA, 0, NULL) < 0)
		return 1;
	fi_store(FI_DATA_ADDR);
	return 2; /* not reached */
}
