/* newlib in a POSIX process: malloc/free, string functions, stdio on
 * the RAM file system, time. Exit 0 when every check holds, else the
 * number of the failed one (printed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>

#define CHECK(n, cond)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("files: check %d failed: %s (errno %d)\n", n,   \
			       #cond, errno);                                  \
			return n;                                              \
		}                                                              \
	} while (0)

int main(void)
{
	/* malloc: many blocks, a large one, freed and taken again */
	char *blocks[64];
	for (int i = 0; i < 64; i++) {
		blocks[i] = malloc(100 + i * 37);
		CHECK(1, blocks[i] != NULL);
		memset(blocks[i], i, 100 + i * 37);
	}
	for (int i = 0; i < 64; i++) {
		CHECK(2, blocks[i][99 + i * 37] == (char)i);
		free(blocks[i]);
	}
	char *big = malloc(200000);
	CHECK(3, big != NULL);
	memset(big, 'x', 200000);
	CHECK(4, big[199999] == 'x');
	free(big);

	/* string */
	char s[64];
	snprintf(s, sizeof(s), "%s-%d-%x", "tessera", 42, 255);
	CHECK(5, strcmp(s, "tessera-42-ff") == 0);
	CHECK(6, strlen(s) == 13 && strchr(s, '4') == s + 8);
	char *d = strdup(s);
	CHECK(7, d && !strncmp(d, "tess", 4));
	free(d);

	/* stdio files */
	CHECK(8, mkdir("/tmp/newlib", 0755) == 0);
	FILE *f = fopen("/tmp/newlib/data.txt", "w");
	CHECK(9, f != NULL);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d of %s\n", i, "the file");
	CHECK(10, fclose(f) == 0);
	struct stat st;
	CHECK(11, stat("/tmp/newlib/data.txt", &st) == 0 && st.st_size > 15000);
	f = fopen("/tmp/newlib/data.txt", "r");
	CHECK(12, f != NULL);
	char *buf = malloc(st.st_size + 1);
	CHECK(13, fread(buf, 1, st.st_size, f) == (size_t)st.st_size);
	buf[st.st_size] = 0;
	CHECK(14, strncmp(buf, "line 0 of the file\nline 1 ", 26) == 0);
	CHECK(15, strstr(buf, "line 999 of the file\n") != NULL);
	rewind(f);
	char line[64];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n++;
	CHECK(16, n == 1000);
	fclose(f);
	free(buf);
	CHECK(17, fopen("/tmp/newlib/none", "r") == NULL && errno == ENOENT);
	f = fopen("/etc/motd", "r");
	CHECK(18, f && fgets(line, sizeof(line), f));
	fclose(f);
	DIR *dir = opendir("/tmp/newlib");
	CHECK(19, dir != NULL);
	struct dirent *e;
	int found = 0;
	while ((e = readdir(dir)))
		found += strcmp(e->d_name, "data.txt") == 0;
	closedir(dir);
	CHECK(20, found == 1);
	CHECK(21, unlink("/tmp/newlib/data.txt") == 0 &&
		      rmdir("/tmp/newlib") == 0);

	/* time from the kernel's clock */
	struct timeval a, b;
	CHECK(22, gettimeofday(&a, 0) == 0);
	for (volatile int i = 0; i < 100000; i++)
		;
	gettimeofday(&b, 0);
	CHECK(23, b.tv_sec > a.tv_sec ||
		      (b.tv_sec == a.tv_sec && b.tv_usec >= a.tv_usec));
	CHECK(24, time(0) == b.tv_sec || time(0) == b.tv_sec + 1);
	printf("files: malloc, string, stdio and time ok (%ld bytes)\n",
	       (long)st.st_size);
	return 0;
}
