/*
 * Error codes returned, negated, by libmem functions. The values are the
 * Linux errno numbers so the kernel can pass them on unchanged.
 */
#ifndef LIBMEM_ERRNO_H
#define LIBMEM_ERRNO_H

#define LIBMEM_EINVAL	22  /* bad argument: misaligned, zero-sized, ... */
#define LIBMEM_ERANGE	34  /* address not managed by this allocator */
#define LIBMEM_EALREADY 114 /* already free: a double free */

#endif
