/*
 * tenant_a: reads the clock a few times through the driver and exits.
 *
 * Its manifest entry gives it one capability: ipc send to the driver's
 * container (channels = ["driver"], own_caps = false). It cannot touch
 * the RTC itself. channel_lookup("driver") turns the channel's container
 * name into the thread to call: the driver's pager.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include "../rtc.h"

#define READINGS 3
#define PAUSE_TICKS 10 /* between readings */

int main(void)
{
	int driver = channel_lookup("driver");
	uint32_t seconds = 0;
	int err = 0;

	if (driver < 0) {
		printf("tenant_a: channel_lookup(\"driver\"): %d\n", driver);
		return 1;
	}
	for (int i = 1; i <= READINGS && err == 0; i++) {
		err = rtc_call((uint32_t)driver, RTC_NOW, &seconds);
		if (err == 0) {
			struct rtc_time t = rtc_time_of(seconds);

			printf("tenant_a: reading %d/%d: %04u-%02u-%02u "
			       "%02u:%02u:%02u UTC (%u)\n", i, READINGS,
			       (unsigned)t.year, (unsigned)t.month,
			       (unsigned)t.day, (unsigned)t.hour,
			       (unsigned)t.minute, (unsigned)t.second,
			       (unsigned)seconds);
			sys_pause_ticks(PAUSE_TICKS);
		}
	}
	if (err < 0)
		printf("tenant_a: the driver failed: %d\n", err);
	rtc_call((uint32_t)driver, RTC_BYE, &seconds);
	printf("tenant_a: done\n");
	return err < 0 ? 1 : 0;
}
