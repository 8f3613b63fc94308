/* cat [FILE...]: copies each file (or standard input) to standard
 * output; a file that cannot be read is reported and skipped, status 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copies fd to standard output; 0 or -1 (errno set). */
static int copy(int fd)
{
	char buf[512];
	long n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	int status = 0;
	if (argc == 1 && copy(0) < 0) {
		perror("cat: stdin");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0 || copy(fd) < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i],
				strerror(errno));
			status = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return status;
}
