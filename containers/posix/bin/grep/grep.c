/* grep STRING [FILE]: prints the lines of FILE (or standard input) that
 * hold STRING (a fixed string, no patterns). Status 0 if a line matched,
 * 1 if none did, 2 on an error. Lines longer than 255 bytes are split. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: grep STRING [FILE]\n");
		return 2;
	}
	FILE *f = stdin;
	if (argc == 3 && !(f = fopen(argv[2], "r"))) {
		fprintf(stderr, "grep: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	char line[256];
	int found = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, argv[1])) {
			fputs(line, stdout);
			found = 1;
		}
	if (ferror(f)) {
		perror("grep: read");
		return 2;
	}
	return found ? 0 : 1;
}
