/*
 * How a POSIX process asks its servers (docs/posix.md, "Requests"): the
 * two ipc calls the C library's system-call layer
 * (containers/posix/libc/syscalls.c) and the server's own client library
 * (containers/posix/server/client.c) are built on. Each answers the
 * kernel's ipc error (0 when the call was answered); the answer's
 * registers are in *m.
 */
#ifndef POSIX_REQUEST_H
#define POSIX_REQUEST_H

#include <stdint.h>
#include <string.h>
#include <tessera/sys.h>

/* A process thread's ipc buffer: the page after its UTCB, kept mapped
 * writable by the memory server (PROC_IO_UTCB in server.h). */
#define POSIX_IO_SIZE 4096u

static inline char *posix_io_buf(void)
{
	return (char *)utcb_self() + POSIX_IO_SIZE;
}

/* A request to the memory server, the caller's pager: label, MR0-MR3. */
static inline int posix_request_memory(uint32_t label, uint32_t a0,
				       uint32_t a1, uint32_t a2, uint32_t a3,
				       struct ipc_msg *m)
{
	struct sys_ids ids;

	sys_getid(&ids);
	*m = (struct ipc_msg){.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0),
			      .mr = {a0, a1, a2, a3}};
	return ipc_call(ids.pager, m);
}

/*
 * A request to the file server fs: label, MR0-MR2 and, with ext, len
 * bytes (at most POSIX_IO_SIZE: the caller checks) sent from the ipc
 * buffer as an extended message; an extended answer lands in the buffer.
 */
static inline int posix_request_files(uint32_t fs, uint32_t label,
				      const void *ext, uint32_t len,
				      uint32_t a0, uint32_t a1, uint32_t a2,
				      struct ipc_msg *m)
{
	struct utcb *u = utcb_self();
	char *buf = posix_io_buf();

	if (ext && buf != ext)
		memcpy(buf, ext, len);
	u->ext_send_buf = (uint32_t)(uintptr_t)buf;
	u->ext_send_len = len;
	u->ext_recv_buf = (uint32_t)(uintptr_t)buf;
	u->ext_recv_size = POSIX_IO_SIZE;
	u->ext_recv_len = 0;
	*m = (struct ipc_msg){
	    .tag = IPC_TAG(label, 0, ext ? IPC_TYPE_EXT : IPC_TYPE_SHORT, 0),
	    .mr = {a0, a1, a2}};
	return ipc_call(fs, m);
}

#endif
