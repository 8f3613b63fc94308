/*
 * printf-style formatting (see stdio.h for what is supported).
 *
 * Everything funnels through vcbprintf_runs(), which hands the output to a
 * writer in runs: each stretch of literal text of the format at once, each
 * conversion in a few pieces (padding, sign and prefix, zeros, digits).
 * vcbprintf() is a writer that passes a run's characters to a sink one at a
 * time; vsnprintf() is a writer that copies runs into a buffer. Integers
 * are fetched as 64-bit values, but decimal conversion only uses 64-bit
 * division (a libgcc call on ARM) while the value does not fit in 32 bits,
 * and octal/hex never divide at all.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Flags. */
#define F_LEFT	0x01u /* '-' */
#define F_ZERO	0x02u /* '0' */
#define F_SPACE 0x04u /* ' ' */
#define F_PLUS	0x08u /* '+' */
#define F_ALT	0x10u /* '#' */

/* Larger widths/precisions saturate, which keeps all field sums in int. */
#define FIELD_MAX (INT_MAX / 2)

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
	unsigned flags;
	int width; /* 0 when absent */
	int prec;  /* -1 when absent */
	enum length len;
	char conv;
};

struct out {
	printf_write_t write;
	void *ctx;
	size_t count;
};

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (n) {
		o->write(o->ctx, s, n);
		o->count += n;
	}
}

static void out_char(struct out *o, char c)
{
	out_mem(o, &c, 1);
}

/* Padding: spaces or zeros, up to 16 in one run. */
static void out_repeat(struct out *o, char c, int n)
{
	static const char spaces[16] = "                ";
	static const char zeros[16] = "0000000000000000";
	const char *run = c == '0' ? zeros : spaces;

	for (; n > 16; n -= 16)
		out_mem(o, run, 16);
	if (n > 0)
		out_mem(o, run, (size_t)n);
}

/* Returns v clamped to 0..FIELD_MAX; v is an absolute value. */
static int clamp_field(unsigned v)
{
	return v > FIELD_MAX ? FIELD_MAX : (int)v;
}

/* Parses a decimal field at *f, advancing *f; saturates at FIELD_MAX. */
static int parse_num(const char **f)
{
	unsigned v = 0;

	for (; isdigit(**f); (*f)++) {
		if (v <= FIELD_MAX)
			v = v * 10 + (unsigned)(**f - '0');
	}
	return clamp_field(v);
}

static const char *parse_flags(const char *f, unsigned *flags)
{
	for (;; f++) {
		switch (*f) {
		case '-':
			*flags |= F_LEFT;
			break;
		case '0':
			*flags |= F_ZERO;
			break;
		case ' ':
			*flags |= F_SPACE;
			break;
		case '+':
			*flags |= F_PLUS;
			break;
		case '#':
			*flags |= F_ALT;
			break;
		default:
			return f;
		}
	}
}

/* A negative '*' width means '-' plus its magnitude (C99 7.19.6.1). */
static const char *parse_width(const char *f, struct spec *sp, va_list *ap)
{
	if (*f != '*') {
		sp->width = parse_num(&f);
		return f;
	}
	int w = va_arg(*ap, int);

	if (w < 0) {
		sp->flags |= F_LEFT;
		sp->width = clamp_field(0u - (unsigned)w);
	} else {
		sp->width = clamp_field((unsigned)w);
	}
	return f + 1;
}

/* A negative '*' precision counts as no precision at all. */
static const char *parse_prec(const char *f, struct spec *sp, va_list *ap)
{
	sp->prec = -1;
	if (*f != '.')
		return f;
	f++;
	if (*f != '*') {
		sp->prec = parse_num(&f);
		return f;
	}
	int p = va_arg(*ap, int);

	sp->prec = p < 0 ? -1 : clamp_field((unsigned)p);
	return f + 1;
}

static const char *parse_length(const char *f, enum length *len)
{
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			*len = LEN_HH;
			return f + 2;
		}
		*len = LEN_H;
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			*len = LEN_LL;
			return f + 2;
		}
		*len = LEN_L;
		return f + 1;
	case 'z':
		*len = LEN_Z;
		return f + 1;
	case 'j':
		*len = LEN_J;
		return f + 1;
	case 't':
		*len = LEN_T;
		return f + 1;
	default:
		*len = LEN_NONE;
		return f;
	}
}

/*
 * Parses "%[flags][width][.prec][length]conv" starting at the '%'; '*'
 * fields consume arguments. Returns the character after the conversion.
 */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	f = parse_flags(f + 1, &sp->flags);
	f = parse_width(f, sp, ap);
	f = parse_prec(f, sp, ap);
	f = parse_length(f, &sp->len);
	sp->conv = *f;
	return *f ? f + 1 : f;
}

/* size_t and ptrdiff_t are assumed to be the same width (true for gcc). */
static unsigned long long fetch_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static long long fetch_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Writes v in decimal backwards ending at end; returns the first digit. */
static char *fmt_dec32(char *end, uint32_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* Peels 9 digits at a time with 64-bit division until 32 bits suffice. */
static char *fmt_dec(char *end, unsigned long long v)
{
	while (v > UINT32_MAX) {
		uint32_t chunk = (uint32_t)(v % 1000000000u);

		v /= 1000000000u;
		for (int i = 0; i < 9; i++) {
			*--end = (char)('0' + chunk % 10);
			chunk /= 10;
		}
	}
	return fmt_dec32(end, (uint32_t)v);
}

/* Octal (shift 3) or hex (shift 4) backwards ending at end. */
static char *fmt_pow2(char *end, unsigned long long v, unsigned shift,
		      bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned mask = (1u << shift) - 1;

	do {
		*--end = digits[v & mask];
		v >>= shift;
	} while (v);
	return end;
}

/* Emits s[0..len) padded to the field width; precision already applied. */
static void emit_padded(struct out *o, const struct spec *sp, const char *s,
			size_t len)
{
	int pad = (size_t)sp->width > len ? sp->width - (int)len : 0;

	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

/*
 * Emits the magnitude v in base 8, 10 or 16 with an optional sign
 * character, honouring precision, width and the '-', '0' and '#' flags.
 */
static void emit_number(struct out *o, const struct spec *sp,
			unsigned long long v, char sign, unsigned base)
{
	char buf[24]; /* 22 octal digits for 64 bits */
	char *end = buf + sizeof(buf);
	char *p = end;
	const char *prefix = "";
	int prec = sp->prec;

	/* C99: zero with precision 0 produces no digits. */
	if (v != 0 || prec != 0) {
		if (base == 10)
			p = fmt_dec(end, v);
		else
			p = fmt_pow2(end, v, base == 8 ? 3 : 4,
				     sp->conv == 'X');
	}
	int ndigits = (int)(end - p);

	if (sp->flags & F_ALT) {
		if (base == 16 && v != 0)
			prefix = sp->conv == 'X' ? "0X" : "0x";
		/* '#' with %o: raise precision so the first digit is 0. */
		if (base == 8 && (ndigits == 0 || *p != '0') && prec <= ndigits)
			prec = ndigits + 1;
	}
	int zeros = prec > ndigits ? prec - ndigits : 0;
	int head = (sign != 0) + (int)strlen(prefix);
	int total = head + zeros + ndigits;
	int pad = sp->width > total ? sp->width - total : 0;

	/* '0' pads between sign/prefix and digits, unless precision given. */
	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	out_mem(o, prefix, strlen(prefix));
	out_repeat(o, '0', zeros);
	out_mem(o, p, (size_t)ndigits);
	if (sp->flags & F_LEFT)
		out_repeat(o, ' ', pad);
}

static void conv_signed(struct out *o, const struct spec *sp, va_list *ap)
{
	long long v = fetch_signed(sp->len, ap);
	/* Negate in unsigned arithmetic so LLONG_MIN is fine. */
	unsigned long long mag =
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char sign = 0;

	if (v < 0)
		sign = '-';
	else if (sp->flags & F_PLUS)
		sign = '+';
	else if (sp->flags & F_SPACE)
		sign = ' ';
	emit_number(o, sp, mag, sign, 10);
}

static void conv_unsigned(struct out *o, const struct spec *sp, va_list *ap)
{
	unsigned base = sp->conv == 'u' ? 10 : sp->conv == 'o' ? 8 : 16;

	emit_number(o, sp, fetch_unsigned(sp->len, ap), 0, base);
}

/* %p is %#x of the address (glibc style), "(nil)" for NULL. */
static void conv_pointer(struct out *o, const struct spec *sp, va_list *ap)
{
	uintptr_t v = (uintptr_t)va_arg(*ap, void *);
	struct spec hex = *sp;

	if (!v) {
		emit_padded(o, sp, "(nil)", 5);
		return;
	}
	hex.flags |= F_ALT;
	hex.conv = 'x';
	emit_number(o, &hex, v, 0, 16);
}

static void conv_string(struct out *o, const struct spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);

	if (!s)
		s = "(null)";
	if (sp->prec >= 0)
		emit_padded(o, sp, s, strnlen(s, (size_t)sp->prec));
	else
		emit_padded(o, sp, s, strlen(s));
}

static void conv_char(struct out *o, const struct spec *sp, va_list *ap)
{
	char c = (char)va_arg(*ap, int);

	emit_padded(o, sp, &c, 1);
}

/*
 * Formats one conversion starting at the '%'. Returns the position after
 * it, or NULL (having emitted nothing) for an unknown conversion.
 */
static const char *format_one(struct out *o, const char *fmt, va_list *ap)
{
	struct spec sp;
	const char *next = parse_spec(fmt, &sp, ap);

	switch (sp.conv) {
	case 'd':
	case 'i':
		conv_signed(o, &sp, ap);
		return next;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		conv_unsigned(o, &sp, ap);
		return next;
	}
	/* Wide characters/strings are not supported: refuse l on %c/%s. */
	if (sp.len != LEN_NONE)
		return NULL;
	switch (sp.conv) {
	case 'p':
		conv_pointer(o, &sp, ap);
		return next;
	case 's':
		conv_string(o, &sp, ap);
		return next;
	case 'c':
		conv_char(o, &sp, ap);
		return next;
	case '%':
		out_char(o, '%');
		return next;
	default:
		return NULL;
	}
}

int vcbprintf_runs(printf_write_t write, void *ctx, const char *fmt,
		   va_list ap)
{
	struct out o = {.write = write, .ctx = ctx, .count = 0};
	va_list args;

	/* A copy can be passed by pointer even where va_list is an array. */
	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			/* literal text up to the next conversion: one run */
			const char *run = fmt;

			do
				fmt++;
			while (*fmt && *fmt != '%');
			out_mem(&o, run, (size_t)(fmt - run));
			continue;
		}
		const char *next = format_one(&o, fmt, &args);

		if (!next) {
			/* Argument types are now unknown: stop reading them. */
			out_mem(&o, fmt, strlen(fmt));
			break;
		}
		fmt = next;
	}
	va_end(args);
	return o.count > INT_MAX ? -1 : (int)o.count;
}

struct sink_writer {
	printf_sink_t sink;
	void *ctx;
};

/* A run to a sink of single characters. */
static void sink_write(void *ctx, const char *s, size_t n)
{
	const struct sink_writer *w = ctx;

	for (size_t i = 0; i < n; i++)
		w->sink(w->ctx, s[i]);
}

int vcbprintf(printf_sink_t sink, void *ctx, const char *fmt, va_list ap)
{
	struct sink_writer w = {.sink = sink, .ctx = ctx};

	return vcbprintf_runs(sink_write, &w, fmt, ap);
}

int cbprintf(printf_sink_t sink, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vcbprintf(sink, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos; /* characters produced, stored or not */
};

/* Stores what fits while leaving room for the final NUL. */
static void buf_write(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;

	if (b->pos + 1 < b->size) {
		size_t room = b->size - 1 - b->pos;

		memcpy(b->buf + b->pos, s, n < room ? n : room);
	}
	b->pos += n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = {.buf = buf, .size = size, .pos = 0};
	int n = vcbprintf_runs(buf_write, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
