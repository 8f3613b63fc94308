/**
 * @file tessera/errno.h
 * @brief Error codes returned (negated) by every system call.
 *
 * The single source for kernel and user space; docs/syscalls.md lists
 * which call returns which. A call returns a value >= 0 on success and
 * -E_<name> on failure, e.g. `sys_map(...) == -E_PERM`.
 */
#ifndef TESSERA_ERRNO_H
#define TESSERA_ERRNO_H

#define E_OK 0      /**< success (calls return 0 or a count, never -E_OK) */
#define E_PERM 1    /**< no capability for this operation or target */
#define E_NOENT 2   /**< no such thread, space or object */
#define E_INTR 4    /**< blocking wait interrupted (suspend, destroy) */
#define E_BUDGET 12 /**< over budget / out of kernel memory for this owner */
#define E_FAULT 14  /**< bad user pointer */
#define E_BUSY 16   /**< object in use */
#define E_INVAL 22  /**< bad argument or flag */
#define E_NOSYS 38  /**< no such system call */
#define E_DEAD 64   /**< partner died or was destroyed */

#endif
