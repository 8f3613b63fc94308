/*
 * ASCII character classification. Everything is static inline: there is no
 * locale, and callers (printf, command parsers) want these to be free.
 * Arguments outside 0..127 (including EOF and negative chars) are never in
 * any class and are returned unchanged by tolower()/toupper().
 */
#ifndef LIBC_CTYPE_H
#define LIBC_CTYPE_H

/* Returns non-zero for '0'..'9'. */
static inline int isdigit(int c)
{
	return (unsigned)c - '0' < 10;
}

/* Returns non-zero for 'a'..'z'. */
static inline int islower(int c)
{
	return (unsigned)c - 'a' < 26;
}

/* Returns non-zero for 'A'..'Z'. */
static inline int isupper(int c)
{
	return (unsigned)c - 'A' < 26;
}

/* Returns non-zero for ASCII letters. */
static inline int isalpha(int c)
{
	return islower(c) || isupper(c);
}

/* Returns non-zero for ASCII letters and digits. */
static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

/* Returns non-zero for hexadecimal digits in either case. */
static inline int isxdigit(int c)
{
	return isdigit(c) || (unsigned)(c | 0x20) - 'a' < 6;
}

/* Returns non-zero for space, \t, \n, \v, \f and \r. */
static inline int isspace(int c)
{
	return c == ' ' || (unsigned)c - '\t' < 5;
}

/* Returns non-zero for printable characters including space (32..126). */
static inline int isprint(int c)
{
	return (unsigned)c - 0x20 < 0x5f;
}

/* Returns non-zero for printable characters other than space. */
static inline int isgraph(int c)
{
	return (unsigned)c - 0x21 < 0x5e;
}

/* Returns non-zero for control characters (0..31 and 127). */
static inline int iscntrl(int c)
{
	return (unsigned)c < 0x20 || c == 0x7f;
}

/* Returns non-zero for printable non-alphanumeric, non-space characters. */
static inline int ispunct(int c)
{
	return isgraph(c) && !isalnum(c);
}

/* Returns the lower-case letter for 'A'..'Z', otherwise c. */
static inline int tolower(int c)
{
	return isupper(c) ? c | 0x20 : c;
}

/* Returns the upper-case letter for 'a'..'z', otherwise c. */
static inline int toupper(int c)
{
	return islower(c) ? c & ~0x20 : c;
}

#endif
