/*
 * Freestanding string and memory functions for the kernel, the boot loader
 * and containers. Only the compiler's own freestanding headers are used.
 *
 * Host tests compile this with libc/tests/host_rename.h force-included, so
 * every name below is really tlibc_<name> there and cannot clash with the
 * host C library. The include guard differs from glibc's (_STRING_H) on
 * purpose: if a host header drags in glibc's <string.h> as well, both sets
 * of declarations are compatible and name the same renamed functions.
 */
#ifndef LIBC_STRING_H
#define LIBC_STRING_H

#include <stddef.h>

/* Copies n bytes; returns dst. The buffers must not overlap. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

/* Copies n bytes, correct for overlapping buffers; returns dst. */
void *memmove(void *dst, const void *src, size_t n);

/* Fills n bytes with (unsigned char)c; returns dst. */
void *memset(void *dst, int c, size_t n);

/* Returns <0, 0 or >0 as a is below, equal to or above b (unsigned bytes). */
int memcmp(const void *a, const void *b, size_t n);

/* Returns the number of bytes before the terminating NUL. */
size_t strlen(const char *s);

/* Returns strlen(s), but looks at no more than max bytes. */
size_t strnlen(const char *s, size_t max);

/* Returns <0, 0 or >0 comparing as unsigned char, like memcmp. */
int strcmp(const char *a, const char *b);

/* strcmp() limited to the first n bytes; returns 0 when n is 0. */
int strncmp(const char *a, const char *b, size_t n);

/*
 * Returns a pointer to the first (char)c in s, or NULL. Searching for '\0'
 * returns a pointer to the terminator.
 */
char *strchr(const char *s, int c);

/*
 * Copies src into dst (size bytes), truncating, and NUL-terminates whenever
 * size > 0. Returns strlen(src), so truncation happened iff result >= size.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif
