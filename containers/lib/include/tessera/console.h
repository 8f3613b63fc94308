/**
 * @file tessera/console.h
 * @brief Formatted output to the kernel console (console_write).
 */
#ifndef TESSERA_CONSOLE_H
#define TESSERA_CONSOLE_H
/**
 * @brief printf to the kernel console.
 *
 * Formats with the freestanding libc's vcbprintf() (d i u o x X p s c %,
 * flags, width, precision, length modifiers; no floating point, no %n)
 * into a line buffer on the stack and writes it with one console_write
 * per line, or per 256 bytes (CONSOLE_WRITE_MAX) of a longer line, so
 * lines of different threads and containers do not mix.
 * @param fmt printf format
 * @return the number of characters formatted (console_write errors are
 *         not reported)
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/**
 * @brief Write a string and a newline to the kernel console.
 * @param s the string
 * @return printf("%s\n", s): the number of characters, newline included
 */
int puts(const char *s);
#endif
