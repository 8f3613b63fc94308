/*
 * Formatted output without FILE or buffers: vcbprintf_runs() hands the
 * output to a caller-supplied writer in runs (the kernel console),
 * vcbprintf() each character to a sink (the user console), and the
 * snprintf family formats into memory. All give the same characters.
 *
 * Conversions: d i u o x X p s c %. Flags: - 0 space + #. Width and
 * precision, both may be '*'. Length modifiers hh h l ll z j t on integer
 * conversions. Behaviour matches C99/glibc except:
 *  - %s with NULL prints "(null)" (cut by any precision), %p with NULL
 *    prints "(nil)" like glibc;
 *  - no floating point, no %n (deliberately: it writes through a pointer);
 *  - an unknown or unsupported conversion (including a length modifier on
 *    %s, %c or %p) is printed verbatim together with the rest of the format,
 *    and no further arguments are read, because their types are now unknown.
 *
 * Host tests rename these to tlibc_* (see libc/tests/host_rename.h); the
 * include guard differs from glibc's so the two can coexist.
 */
#ifndef LIBC_STDIO_H
#define LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

/* Receives one output character; ctx is the pointer given to vcbprintf(). */
typedef void (*printf_sink_t)(void *ctx, char c);

/*
 * Formats to sink one character at a time. Returns the number of characters
 * emitted, or -1 if that exceeds INT_MAX.
 */
int vcbprintf(printf_sink_t sink, void *ctx, const char *fmt, va_list ap)
    __attribute__((__format__(__printf__, 3, 0)));

/* Receives a run of n > 0 output characters (not NUL-terminated). */
typedef void (*printf_write_t)(void *ctx, const char *s, size_t n);

/*
 * Formats to write in runs: each stretch of the format's literal text at
 * once, each conversion in a few pieces. Returns as vcbprintf().
 */
int vcbprintf_runs(printf_write_t write, void *ctx, const char *fmt,
		   va_list ap) __attribute__((__format__(__printf__, 3, 0)));

/* Variadic form of vcbprintf(). */
int cbprintf(printf_sink_t sink, void *ctx, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

/*
 * Formats into buf, writing at most size bytes and always NUL-terminating
 * when size > 0 (buf may be NULL when size is 0). Returns the length the
 * full output would have had, so the output was truncated iff the result
 * is >= size; -1 if that length exceeds INT_MAX.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((__format__(__printf__, 3, 0)));

/* Variadic form of vsnprintf(). */
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

#endif
