/*
 * ticker: an ordinary container beside the POSIX demo
 * (configs/posix_demo.toml). It prints a counter every TICK_MS
 * milliseconds, TICKS times, giving the CPU away in between
 * (sys_pause_ticks), and exits with status 0: its lines show up between
 * the POSIX shell's while both run.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define TICKS 40
#define TICK_MS 20

int main(void)
{
	uint64_t now;
	uint32_t hz;

	sys_time(&now, &hz);
	uint32_t wait = hz * TICK_MS / 1000;
	for (int i = 1; i <= TICKS; i++) {
		sys_pause_ticks(wait ? wait : 1);
		printf("ticker: tick %d of %d\n", i, TICKS);
	}
	printf("ticker: done\n");
	return 0;
}
