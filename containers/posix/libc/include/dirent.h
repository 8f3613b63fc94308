/* Directory streams for POSIX programs (newlib's arm-none-eabi
 * <dirent.h> refuses to be used): a stream is a descriptor of the file
 * server (docs/posix.md). */
#ifndef _DIRENT_H
#define _DIRENT_H
#include <sys/types.h>

struct dirent {
	ino_t d_ino;
	unsigned d_mode;
	char d_name[64];
};

typedef struct {
	int fd;
	struct dirent ent;
} DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);
#endif
