/*
 * The RTC system's protocol, shared by its three programs: each includes
 * it as "../rtc.h" from its own folder (the build compiles every folder
 * on its own; a header beside them is how they share code).
 *
 * A tenant calls the driver (ipc_call) with one of these labels:
 *
 *   RTC_NOW          answer: MR0 = the clock, in seconds since
 *                    1970-01-01 00:00 UTC
 *   RTC_NEXT_SECOND  the driver sets the RTC's alarm to the next second,
 *                    waits for its interrupt, then answers with the
 *                    clock as RTC_NOW does
 *   RTC_BYE          the tenant is done; the driver ends once all
 *                    RTC_TENANTS have said so
 *
 * The answer's label is RTC_OK, or RTC_ERROR with MR0 = what failed.
 */
#ifndef RTC_H
#define RTC_H

#include <stdint.h>
#include <tessera/sys.h>

#define RTC_NOW 0x100
#define RTC_NEXT_SECOND 0x101
#define RTC_BYE 0x102
#define RTC_OK 0x200
#define RTC_ERROR 0x2ff

#define RTC_TENANTS 2 /* tenant_a and tenant_b in system.toml */

/* One request to the driver (its tid): 0 with the clock in *seconds, or
 * a negative error (-E_* of the ipc, or the driver's). */
static inline int rtc_call(uint32_t driver, uint32_t label, uint32_t *seconds)
{
	struct ipc_msg m = {IPC_TAG(label, 0, IPC_TYPE_SHORT, 0), {0}, 0};
	int err = ipc_call(driver, &m);

	if (err < 0)
		return err;
	if (IPC_TAG_LABEL(m.tag) != RTC_OK)
		return (int)m.mr[0];
	*seconds = m.mr[0];
	return 0;
}

struct rtc_time {
	uint32_t year, month, day, hour, minute, second;
};

/* Seconds since 1970-01-01 into a UTC date and time (the days-to-date
 * step is Howard Hinnant's civil_from_days, for days >= 0). */
static inline struct rtc_time rtc_time_of(uint32_t seconds)
{
	struct rtc_time t;
	uint32_t z = seconds / 86400 + 719468; /* days since 0000-03-01 */
	uint32_t era = z / 146097;             /* 400-year eras */
	uint32_t doe = z - era * 146097;       /* day of the era */
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153; /* month from March = 0 */

	t.day = doy - (153 * mp + 2) / 5 + 1;
	t.month = mp < 10 ? mp + 3 : mp - 9;
	t.year = yoe + era * 400 + (t.month <= 2);
	t.hour = seconds % 86400 / 3600;
	t.minute = seconds % 3600 / 60;
	t.second = seconds % 60;
	return t;
}

#endif
