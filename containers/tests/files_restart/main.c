/*
 * files_restart: a container's initial files come back with it. Its
 * memory region at 0x20000000 holds the files the manifest packed there
 * (tools/tests/test_posix_files.py); it checks the archive's magic,
 * overwrites it, and fails, so the kernel restarts it (restart =
 * "on-failure"). The next life must find the archive as the image has
 * it: the kernel unpacks every part that lands in a container's memory
 * again, not only its program (kernel/generic/container.c).
 */
#include <stdint.h>
#include <tessera/console.h>

#define FILES ((volatile uint32_t *)0x20000000)
#define ARCHIVE_MAGIC 0x41534654u /* "TFSA", posix/fs/include/fs/archive.h */

int main(void)
{
	if (FILES[0] != ARCHIVE_MAGIC) {
		printf("files_restart: archive overwritten (0x%08x)\n",
		       (unsigned)FILES[0]);
		return 2;
	}
	printf("files_restart: archive intact\n");
	FILES[0] = 0xdeadbeef; /* the next life must not see this */
	return 1;
}
