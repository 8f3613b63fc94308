/*
 * tenant_b: asks the driver to wake it at each of the next few seconds
 * (the driver sleeps on the RTC's alarm interrupt for it), checks that
 * the clock moved on every time, and exits.
 *
 * Like tenant_a it holds only a channel to the driver (system.toml).
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include "../rtc.h"

#define ALARMS 3

int main(void)
{
	int driver = channel_lookup("driver");
	uint32_t seconds = 0, before = 0;
	int err;

	if (driver < 0) {
		printf("tenant_b: channel_lookup(\"driver\"): %d\n", driver);
		return 1;
	}
	err = rtc_call((uint32_t)driver, RTC_NOW, &before);
	for (int i = 1; i <= ALARMS && err == 0; i++) {
		err = rtc_call((uint32_t)driver, RTC_NEXT_SECOND, &seconds);
		if (err == 0) {
			struct rtc_time t = rtc_time_of(seconds);

			printf("tenant_b: alarm %d/%d: %02u:%02u:%02u UTC "
			       "(%u, %u s after the last)\n", i, ALARMS,
			       (unsigned)t.hour, (unsigned)t.minute,
			       (unsigned)t.second, (unsigned)seconds,
			       (unsigned)(seconds - before));
			if (seconds <= before) {
				printf("tenant_b: the clock did not move on\n");
				err = 1;
			}
			before = seconds;
		}
	}
	if (err < 0)
		printf("tenant_b: the driver failed: %d\n", err);
	rtc_call((uint32_t)driver, RTC_BYE, &seconds);
	printf("tenant_b: done\n");
	return err != 0 ? 1 : 0;
}
