#ifndef TESSERA_CONSOLE_H
#define TESSERA_CONSOLE_H
/* printf to the kernel console, one console_write per line (or 256 bytes). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
#endif
