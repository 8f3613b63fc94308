/* cloexec KEPT CLOSED: exits 0 when descriptor KEPT is open (and its
 * file reads "kept") and CLOSED is not (EBADF) after the exec. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 10;
	int kept = atoi(argv[1]), closed = atoi(argv[2]);
	struct stat st;
	if (fstat(closed, &st) == 0 || errno != EBADF)
		return 11;
	char buf[8] = {0};
	if (lseek(kept, 0, SEEK_SET) != 0 || read(kept, buf, 4) != 4 ||
	    strcmp(buf, "kept"))
		return 12;
	printf("cloexec: %d open, %d closed\n", kept, closed);
	return 0;
}
