/* upper: a filter, standard input to standard output in capitals. */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	char buf[512];
	long n;
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			buf[i] = (char)toupper((unsigned char)buf[i]);
		if (write(1, buf, n) != n) {
			perror("upper: write");
			return 1;
		}
	}
	if (n < 0) {
		perror("upper: read");
		return 1;
	}
	return 0;
}
