/* ls [DIR...]: the names in each directory (default "."), sorted, one a
 * line, directories with a trailing '/' and files with their size. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NAMES 64

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists one directory; 0 or 1 (reported). */
static int list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char *names[MAX_NAMES];
	int n = 0, status = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == MAX_NAMES) {
			fprintf(stderr, "ls: %s: more than %d names\n", dir,
				MAX_NAMES);
			status = 1;
			break;
		}
		if (!(names[n] = strdup(e->d_name))) {
			perror("ls");
			status = 1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	for (int i = 0; i < n; i++) {
		char path[160];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
			status = 1;
		} else if (S_ISDIR(st.st_mode)) {
			printf("%s/\n", names[i]);
		} else {
			printf("%-12s %6ld\n", names[i], (long)st.st_size);
		}
		free(names[i]);
	}
	return status;
}

int main(int argc, char **argv)
{
	/* whole lines on the console, which other containers share */
	setvbuf(stderr, NULL, _IOLBF, 0);
	int status = 0;
	if (argc == 1)
		return list(".");
	for (int i = 1; i < argc; i++) {
		if (argc > 2)
			printf("%s:\n", argv[i]);
		status |= list(argv[i]);
	}
	return status;
}
