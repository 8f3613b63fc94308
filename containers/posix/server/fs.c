/*
 * The file server: a second thread of the server, in its space, driving
 * posix/fs over ipc (docs/posix.md, "The server as built"). One struct fs,
 * loaded at start from the files archive the manifest packs into the
 * region at FILES_VIRT; one descriptor table per process, created, copied
 * and destroyed when the memory server says (POSIX_FSM_*); callers of a
 * pipe that would block are parked and answered when it can go on.
 */
#include <string.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <fs/archive.h>
#include <fs/errno.h>
#include <fs/fdtable.h>
#include <fs/file.h>
#include <fs/fs.h>
#include <fs/path.h>
#include <fs/pipe.h>
#include <posix/proto.h>
#include "server.h"
/* posix/fs's own inode references and file data by inode, for file
 * mappings (posix/fs/internal.h; declared here since the server's
 * sources are also compiled from elsewhere, where a relative include
 * would not find it) */
void inode_get(struct fs_inode *i);
void inode_put(struct fs *fs, struct fs_inode *i);
int32_t file_read_at(const struct fs_inode *i, uint32_t off, void *buf,
		     uint32_t n);
int32_t file_write_at(struct fs *fs, struct fs_inode *i, uint32_t off,
		      const void *buf, uint32_t n);
struct fs_file *fd_file(const struct fs_fdtable *t, int fd);

#define FILES_VIRT    0x21000000u
#define FILES_SIZE    0x100000u
#define FS_MAX_CHUNKS 512u
#define MAX_PARKED    16
#define FS_STACK      8192

uint32_t fs_tid;
static struct fs fs;
static struct utcb fs_utcb __attribute__((aligned(UTCB_SIZE)));
static uint64_t fs_stack[FS_STACK / 8];
static char inbuf[IPC_EXT_MAX + 1];
static char outbuf[IPC_EXT_MAX];

static struct fsproc {
	uint32_t pid; /* 0: free */
	struct fs_fdtable t;
} procs[MAX_PROCS];

static struct tmap {
	uint32_t tid, pid;
} threads[MAX_PROCS * MAX_THREADS];

/* A read or write that would block: kept until the pipe can go on. */
static struct parked {
	uint32_t tid; /* 0: free */
	uint32_t pid;
	uint32_t label;
	int fd;
	uint32_t n;
	void *data; /* a write's bytes (pool), n of them */
} parked[MAX_PARKED];

static struct fsproc *fsproc(uint32_t pid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (pid && procs[i].pid == pid)
			return &procs[i];
	return 0;
}

static uint32_t pid_of(uint32_t tid)
{
	for (unsigned i = 0; i < MAX_PROCS * MAX_THREADS; i++)
		if (threads[i].tid == tid)
			return threads[i].pid;
	return 0;
}

static int map_thread(uint32_t tid, uint32_t pid)
{
	for (unsigned i = 0; i < MAX_PROCS * MAX_THREADS; i++)
		if (!threads[i].tid) {
			threads[i].tid = tid;
			threads[i].pid = pid;
			return 0;
		}
	return -POSIX_EAGAIN;
}

static void unmap_thread(uint32_t tid)
{
	for (unsigned i = 0; i < MAX_PROCS * MAX_THREADS; i++)
		if (threads[i].tid == tid)
			threads[i].tid = threads[i].pid = 0;
	for (int i = 0; i < MAX_PARKED; i++)
		if (parked[i].tid == tid) {
			if (parked[i].data)
				pool_free(0, parked[i].data, parked[i].n);
			memset(&parked[i], 0, sizeof(parked[i]));
		}
}

static void reply(uint32_t to, int r0, uint32_t r1, uint32_t r2,
		  uint32_t ext_len)
{
	struct ipc_msg m = {
	    .tag = IPC_TAG(0, 0, ext_len ? IPC_TYPE_EXT : IPC_TYPE_SHORT,
			   IPC_NONBLOCK),
	    .mr = {(uint32_t)r0, r1, r2}};
	fs_utcb.ext_send_buf = (uint32_t)(uintptr_t)outbuf;
	fs_utcb.ext_send_len = ext_len;
	ipc_send(to, &m);
}

static int nonblocking(struct fs_fdtable *t, int fd)
{
	return fd >= 0 && fd < (int)FS_FD_MAX && t->files[fd] &&
	       (t->files[fd]->flags & FS_O_NONBLOCK);
}

/* Tries a parked request again; 1: answered (or gone), 0: still blocked. */
static int retry(struct parked *q)
{
	struct fsproc *p = fsproc(q->pid);
	int32_t r;
	if (!p)
		return 1;
	if (q->label == POSIX_READ)
		r = fs_read(&p->t, q->fd, outbuf, q->n);
	else
		r = fs_write(&p->t, q->fd, q->data, q->n);
	if (r == -FS_EAGAIN)
		return 0;
	reply(q->tid, r, 0, 0,
	      q->label == POSIX_READ && r > 0 ? (uint32_t)r : 0);
	return 1;
}

static void retry_parked(void)
{
	int progress = 1;
	while (progress) {
		progress = 0;
		for (int i = 0; i < MAX_PARKED; i++) {
			struct parked *q = &parked[i];
			if (!q->tid || !retry(q))
				continue;
			if (q->data)
				pool_free(0, q->data, q->n);
			memset(q, 0, sizeof(*q));
			progress = 1;
		}
	}
}

/* 1: parked (no reply now); else the error to reply. */
static int park(uint32_t tid, uint32_t pid, uint32_t label, int fd,
		const void *data, uint32_t n)
{
	for (int i = 0; i < MAX_PARKED; i++) {
		struct parked *q = &parked[i];
		if (q->tid)
			continue;
		q->data = 0;
		if (data) {
			q->data = pool_alloc(0, n);
			if (!q->data)
				return -POSIX_ENOMEM;
			memcpy(q->data, data, n);
		}
		q->tid = tid;
		q->pid = pid;
		q->label = label;
		q->fd = fd;
		q->n = n;
		return 1;
	}
	return -POSIX_EAGAIN;
}

static unsigned nparked(void)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_PARKED; i++)
		n += parked[i].tid != 0;
	return n;
}

struct posix_exec_file {
	void *buf;
	uint32_t size;
};

/* exec's read: the file opened as p would (its working directory, a
 * descriptor of its table for the time of the call), read whole. */
static int exec_read(struct fsproc *p, const char *path,
		     struct posix_exec_file *f)
{
	struct fs_stat st;
	int fd = fs_open(&p->t, path, FS_O_RDONLY, 0);
	if (fd < 0)
		return fd;
	int r = fs_fstat(&p->t, fd, &st);
	if (!r && (st.mode & 0170000u) != FS_S_IFREG)
		r = -POSIX_EACCES;
	if (!r && st.size > EXEC_MAX_FILE)
		r = -POSIX_ENOMEM;
	char *buf = 0;
	if (!r && !(buf = pool_alloc(0, st.size ? st.size : 1)))
		r = -POSIX_ENOMEM;
	uint32_t done = 0;
	while (!r && done < st.size) {
		int32_t n = fs_read(&p->t, fd, buf + done, st.size - done);
		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	fs_close(&p->t, fd);
	if (r) {
		if (buf)
			pool_free(0, buf, st.size ? st.size : 1);
		return r;
	}
	if (done != st.size) {
		pool_free(0, buf, st.size ? st.size : 1);
		return -POSIX_ENOEXEC;
	}
	if (!st.size) { /* nothing to run: an empty file is not an ELF */
		pool_free(0, buf, 1);
		return -POSIX_ENOEXEC;
	}
	f->buf = buf;
	f->size = st.size;
	return 0;
}

/* The memory server's messages. */
static int manage(const struct ipc_msg *m)
{
	struct fsproc *p, *parent;
	switch (IPC_TAG_LABEL(m->tag)) {
	case POSIX_FSM_NEW:
		p = 0;
		for (int i = 0; i < MAX_PROCS && !p; i++)
			if (!procs[i].pid)
				p = &procs[i];
		if (!p || map_thread(m->mr[1], m->mr[1]))
			return -POSIX_EAGAIN;
		parent = fsproc(m->mr[0]);
		if (parent)
			fdtable_fork(&parent->t, &p->t);
		else
			fdtable_init(&p->t, &fs);
		p->pid = m->mr[1];
		return 0;
	case POSIX_FSM_THREAD:
		return map_thread(m->mr[0], m->mr[1]);
	case POSIX_FSM_EXEC_READ:
		p = fsproc(m->mr[0]);
		return p ? exec_read(p, (const char *)(uintptr_t)m->mr[1],
				     (struct posix_exec_file *)(uintptr_t)
					 m->mr[2])
			 : -POSIX_ESRCH;
	case POSIX_FSM_EXEC:
		p = fsproc(m->mr[0]);
		if (p)
			fdtable_exec(&p->t);
		return 0;
	case POSIX_FSM_THREAD_GONE:
		unmap_thread(m->mr[0]);
		return 0;
	case POSIX_FSM_PAGE_READ: {
		/* a page of a mapped file: zero past its end; a page wholly
		 * past it is SIGBUS */
		struct fs_inode *i = (struct fs_inode *)(uintptr_t)m->mr[0];
		uint32_t off = m->mr[1];
		if (off >= ((uint64_t)i->size + PAGE - 1) / PAGE * PAGE)
			return -POSIX_EINVAL;
		memset((void *)(uintptr_t)m->mr[2], 0, PAGE);
		file_read_at(i, off, (void *)(uintptr_t)m->mr[2], PAGE);
		return 0;
	}
	case POSIX_FSM_PAGE_WRITE: {
		struct fs_inode *i = (struct fs_inode *)(uintptr_t)m->mr[0];
		uint32_t off = m->mr[1];
		if (off >= i->size)
			return 0;
		uint32_t n = i->size - off < PAGE ? i->size - off : PAGE;
		int32_t r = file_write_at(&fs, i, off,
					  (const void *)(uintptr_t)m->mr[2], n);
		return r < 0 ? r : 0;
	}
	case POSIX_FSM_INODE_PUT:
		inode_put(&fs, (struct fs_inode *)(uintptr_t)m->mr[0]);
		return 0;
	case POSIX_FSM_EXIT:
		p = fsproc(m->mr[0]);
		for (unsigned i = 0; i < MAX_PROCS * MAX_THREADS; i++)
			if (threads[i].pid == m->mr[0])
				unmap_thread(threads[i].tid);
		if (p) {
			fdtable_destroy(&p->t);
			p->pid = 0;
		}
		retry_parked(); /* pipe ends it held may have closed */
		return 0;
	}
	return -POSIX_EINVAL;
}

static int fs_stat_of(struct fsproc *p, uint32_t which)
{
	switch (which) {
	case POSIX_FSS_FILES:
		return (int)fs.nr_files;
	case POSIX_FSS_INODES:
		return (int)fs.nr_inodes;
	case POSIX_FSS_CHUNKS:
		return (int)fs.chunks_used;
	case POSIX_FSS_FDS:
		return (int)fdtable_count(&p->t);
	case POSIX_FSS_PROCS: {
		int n = 0;
		for (int i = 0; i < MAX_PROCS; i++)
			n += procs[i].pid != 0;
		return n;
	}
	case POSIX_FSS_PARKED:
		return (int)nparked();
	}
	return -POSIX_EINVAL;
}

/* Serves one call of thread tid of process p: 1 replied or parked. */
static void serve(struct fsproc *p, uint32_t tid, const struct ipc_msg *m,
		  uint32_t len)
{
	struct fs_fdtable *t = &p->t;
	const uint32_t *a = m->mr;
	int r = -POSIX_EINVAL;
	uint32_t r1 = 0, r2 = 0, ext = 0;

	inbuf[len] = 0;
	switch (IPC_TAG_LABEL(m->tag)) {
	case POSIX_OPEN:
		r = fs_open(t, inbuf, (int)a[0], a[1]);
		break;
	case POSIX_READ: {
		uint32_t n = a[1] > IPC_EXT_MAX ? IPC_EXT_MAX : a[1];
		r = fs_read(t, (int)a[0], outbuf, n);
		if (r == -FS_EAGAIN && !nonblocking(t, (int)a[0])) {
			r = park(tid, p->pid, POSIX_READ, (int)a[0], 0, n);
			if (r == 1)
				return;
		}
		ext = r > 0 ? (uint32_t)r : 0;
		break;
	}
	case POSIX_WRITE:
		r = fs_write(t, (int)a[0], inbuf, len);
		if (r == -FS_EAGAIN && !nonblocking(t, (int)a[0])) {
			r = park(tid, p->pid, POSIX_WRITE, (int)a[0], inbuf,
				 len);
			if (r == 1)
				return;
		}
		break;
	case POSIX_LSEEK: {
		int64_t off = fs_lseek(t, (int)a[0], (int32_t)a[1], (int)a[2]);
		r = (int)off;
		break;
	}
	case POSIX_CLOSE:
		r = fs_close(t, (int)a[0]);
		break;
	case POSIX_DUP:
		r = fs_dup(t, (int)a[0]);
		break;
	case POSIX_DUP2:
		r = fs_dup2(t, (int)a[0], (int)a[1]);
		break;
	case POSIX_PIPE: {
		int fds[2];
		r = fs_pipe(t, fds, (int)a[0]);
		if (r == 0) {
			r1 = (uint32_t)fds[0];
			r2 = (uint32_t)fds[1];
		}
		break;
	}
	case POSIX_STATP:
	case POSIX_FSTAT: {
		struct fs_stat st;
		r = IPC_TAG_LABEL(m->tag) == POSIX_STATP
			? fs_stat(t, inbuf, &st)
			: fs_fstat(t, (int)a[0], &st);
		if (r == 0) {
			struct posix_stat ps = {st.ino, st.mode, st.nlink,
						st.size};
			memcpy(outbuf, &ps, sizeof(ps));
			ext = sizeof(ps);
		}
		break;
	}
	case POSIX_UNLINK:
		r = fs_unlink(t, inbuf);
		break;
	case POSIX_RENAME: {
		size_t n = strlen(inbuf);
		r = n + 1 < len ? fs_rename(t, inbuf, inbuf + n + 1)
				: -POSIX_EINVAL;
		break;
	}
	case POSIX_MKDIR:
		r = fs_mkdir(t, inbuf, a[0]);
		break;
	case POSIX_RMDIR:
		r = fs_rmdir(t, inbuf);
		break;
	case POSIX_GETCWD: {
		uint32_t n = a[0] > IPC_EXT_MAX ? IPC_EXT_MAX : a[0];
		r = fs_getcwd(t, outbuf, n);
		if (r >= 0) {
			r = (int)strlen(outbuf);
			ext = (uint32_t)r + 1;
		}
		break;
	}
	case POSIX_CHDIR:
		r = fs_chdir(t, inbuf);
		break;
	case POSIX_OPENDIR:
		r = fs_opendir(t, inbuf);
		break;
	case POSIX_READDIR: {
		struct fs_dirent_info d;
		r = fs_readdir(t, (int)a[0], &d);
		if (r == 1) {
			struct posix_dirent pd;
			pd.ino = d.ino;
			pd.mode = d.mode;
			memcpy(pd.name, d.name, sizeof(pd.name));
			memcpy(outbuf, &pd, sizeof(pd));
			ext = sizeof(pd);
		}
		break;
	}
	case POSIX_FS_STAT:
		r = fs_stat_of(p, a[0]);
		break;
	default:
		r = -POSIX_ENOSYS;
	}
	reply(tid, r, r1, r2, ext);
	retry_parked();
}

/* POSIX_FSM_MMAP: descriptor fd of a process, mapped: a regular file
 * (ENODEV), readable (EACCES), writable for a shared writable mapping
 * (EACCES); its inode held for the mapping (POSIX_FSM_INODE_PUT). */
static int mmap_check(const struct ipc_msg *m, uint32_t *writable)
{
	struct fsproc *p = fsproc(m->mr[0]);
	if (!p || m->mr[1] >= FS_FD_MAX)
		return -POSIX_EBADF;
	struct fs_file *f = fd_file(&p->t, (int)m->mr[1]);
	if (!f)
		return -POSIX_EBADF;
	if ((f->inode->mode & FS_S_IFMT) != FS_S_IFREG)
		return -POSIX_ENODEV;
	uint32_t acc = f->flags & FS_O_ACCMODE;
	if (acc == FS_O_WRONLY || (m->mr[2] && acc != FS_O_RDWR))
		return -POSIX_EACCES;
	inode_get(f->inode);
	*writable = acc == FS_O_RDWR;
	return (int)(uintptr_t)f->inode;
}

static void fs_main(void)
{
	struct ipc_msg m = {0};
	fs_utcb.ext_recv_buf = (uint32_t)(uintptr_t)inbuf;
	fs_utcb.ext_recv_size = IPC_EXT_MAX;
	for (;;) {
		fs_utcb.ext_recv_len = 0;
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		uint32_t len = (m.tag & IPC_TYPE_MASK) == IPC_TYPE_EXT
				   ? fs_utcb.ext_recv_len
				   : 0;
		if (len > IPC_EXT_MAX)
			len = IPC_EXT_MAX;
		if (m.from == server_tid) {
			if (IPC_TAG_LABEL(m.tag) == POSIX_FSM_STOP) {
				for (int i = 0; i < MAX_PROCS; i++)
					if (procs[i].pid) {
						fdtable_destroy(&procs[i].t);
						procs[i].pid = 0;
					}
				fs_destroy(&fs);
				reply(m.from, 0, 0, 0, 0);
				sys_exit(0);
			}
			if (IPC_TAG_LABEL(m.tag) == POSIX_FSM_MMAP) {
				uint32_t w = 0;
				int r = mmap_check(&m, &w);
				reply(m.from, r, w, 0, 0);
				continue;
			}
			reply(m.from, manage(&m), 0, 0, 0);
			continue;
		}
		struct fsproc *p = fsproc(pid_of(m.from));
		if (!p)
			continue; /* not a process's thread: ignored */
		serve(p, m.from, &m, len);
	}
}

static const struct fs_alloc fs_alloc = {pool_alloc, pool_free, 0};

int fs_server_start(void)
{
	struct fs_archive_fault fault;
	if (fs_init(&fs, &fs_alloc, FS_MAX_CHUNKS) != 0)
		return -1;
	int err = fs_archive_load(&fs, (const void *)(uintptr_t)FILES_VIRT,
				  FILES_SIZE, &fault);
	if (err) {
		printf("posix: files archive: %s (entry %u at %u)\n",
		       fs_archive_strerror(fault.code), (unsigned)fault.entry,
		       (unsigned)fault.offset);
		return -1;
	}
	int tid = sys_thread_create(
	    0, TC_SAME_SPACE | TC_AS_PAGER, 0, (uint32_t)(uintptr_t)fs_main,
	    (uint32_t)(uintptr_t)(fs_stack + FS_STACK / 8));
	if (tid < 0)
		return tid;
	struct exregs r;
	memset(&r, 0, sizeof(r));
	r.utcb = (uint32_t)(uintptr_t)&fs_utcb;
	err = sys_exchange_registers((uint32_t)tid, EXREGS_SET_UTCB, &r);
	if (!err)
		err = sys_thread_run((uint32_t)tid);
	if (err)
		return err;
	fs_tid = (uint32_t)tid;
	return 0;
}

int fs_notify(uint32_t label, uint32_t a0, uint32_t a1)
{
	struct ipc_msg m = {.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0),
			    .mr = {a0, a1}};
	int err = ipc_call(fs_tid, &m);
	return err ? err : (int)m.mr[0];
}

int fs_exec_read(uint32_t pid, const char *path, void **buf, uint32_t *size)
{
	struct posix_exec_file f = {0, 0};
	struct ipc_msg m = {
	    .tag = IPC_TAG(POSIX_FSM_EXEC_READ, 0, IPC_TYPE_SHORT, 0),
	    .mr = {pid, (uint32_t)(uintptr_t)path, (uint32_t)(uintptr_t)&f}};
	int err = ipc_call(fs_tid, &m);
	if (err)
		return err < 0 ? -POSIX_ENOMEM : err;
	if ((int)m.mr[0] < 0)
		return (int)m.mr[0];
	*buf = f.buf;
	*size = f.size;
	return 0;
}

void fs_server_stop(void)
{
	fs_notify(POSIX_FSM_STOP, 0, 0);
	sys_thread_wait(fs_tid, 0);
}
