/*
 * Host-test renaming of every public libc name to tlibc_<name>.
 *
 * Our libc defines memcpy, snprintf, ... which would clash with glibc when
 * tests run on the host. The host build force-includes this file into every
 * translation unit (libc sources, libmem sources and tests alike):
 *
 *   gcc ... -fno-builtin -include libc/tests/host_rename.h -Ilibc/include
 *
 * so our definitions and all calls to them become tlibc_*, while glibc,
 * cmocka and code gcc emits for struct copies keep using the real symbols.
 *
 * Include order, and why it is robust:
 *  - This file comes first (via -include), before any host header. It only
 *    defines object-like macros, so it needs nothing itself.
 *  - -Ilibc/include makes <string.h>, <stdio.h> and <ctype.h> resolve to
 *    our headers, for tests and for any host header that includes them.
 *    Our headers only include the compiler's freestanding <stddef.h>,
 *    <stdarg.h> (and the sources <stdint.h>, <limits.h>, <stdbool.h>), which
 *    are the same ones cmocka.h needs, so they can come before or after
 *    cmocka.h.
 *  - Should glibc's <string.h> still get pulled in, its prototypes are
 *    renamed by these macros too and are compatible with ours; the include
 *    guards differ (LIBC_STRING_H vs _STRING_H) so nothing is skipped.
 *  - A test needing a real glibc function whose name is renamed here (e.g.
 *    test_printf.c comparing against glibc's snprintf) declares it under
 *    another name bound to the real symbol with an asm label.
 *
 * Tests include this header themselves as well (harmless thanks to the
 * guard) so they also build if the -include flag is forgotten.
 */
#ifndef LIBC_TESTS_HOST_RENAME_H
#define LIBC_TESTS_HOST_RENAME_H

/* string.h */
#define memcpy	tlibc_memcpy
#define memmove tlibc_memmove
#define memset	tlibc_memset
#define memcmp	tlibc_memcmp
#define strlen	tlibc_strlen
#define strnlen tlibc_strnlen
#define strcmp	tlibc_strcmp
#define strncmp tlibc_strncmp
#define strchr	tlibc_strchr
#define strlcpy tlibc_strlcpy

/* stdio.h */
#define vcbprintf tlibc_vcbprintf
#define vcbprintf_runs tlibc_vcbprintf_runs
#define cbprintf  tlibc_cbprintf
#define vsnprintf tlibc_vsnprintf
#define snprintf  tlibc_snprintf

/* ctype.h (static inline, renamed so glibc's declarations cannot clash) */
#define isalnum	 tlibc_isalnum
#define isalpha	 tlibc_isalpha
#define iscntrl	 tlibc_iscntrl
#define isdigit	 tlibc_isdigit
#define isgraph	 tlibc_isgraph
#define islower	 tlibc_islower
#define isprint	 tlibc_isprint
#define ispunct	 tlibc_ispunct
#define isspace	 tlibc_isspace
#define isupper	 tlibc_isupper
#define isxdigit tlibc_isxdigit
#define tolower	 tlibc_tolower
#define toupper	 tlibc_toupper

#endif
