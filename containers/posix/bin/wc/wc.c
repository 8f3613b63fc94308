/* wc [FILE]: lines, words and bytes of FILE or standard input, as
 * "LINES WORDS BYTES". */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	int fd = 0;
	if (argc > 2) {
		fprintf(stderr, "usage: wc [FILE]\n");
		return 2;
	}
	if (argc == 2 && (fd = open(argv[1], O_RDONLY)) < 0) {
		fprintf(stderr, "wc: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	long lines = 0, words = 0, bytes = 0, n;
	int in_word = 0;
	char buf[512];
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bytes += n;
		for (long i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			if (c == '\n')
				lines++;
			if (isspace(c)) {
				in_word = 0;
			} else if (!in_word) {
				in_word = 1;
				words++;
			}
		}
	}
	if (n < 0) {
		perror("wc: read");
		return 1;
	}
	printf("%ld %ld %ld\n", lines, words, bytes);
	return 0;
}
