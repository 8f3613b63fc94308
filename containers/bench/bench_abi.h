/*
 * System call numbers and ipc flags as plain numbers for bench_asm.S (the
 * assembler takes no C integer suffixes); main.c checks each against
 * tessera/syscall.h.
 */
#ifndef BENCH_ABI_H
#define BENCH_ABI_H

#define BENCH_SYS_ipc		 0
#define BENCH_SYS_thread_control 1
#define BENCH_SYS_getid		 8
#define BENCH_SYS_time		 9
#define BENCH_TIME_COUNTER	 2
#define BENCH_IPC_SEND		 1
#define BENCH_IPC_RECV		 2
#define BENCH_IPC_REPLY_WAIT	 7 /* send + receive + non-blocking send */
#define BENCH_TC_EXIT		 8
#define BENCH_LABEL_QUIT	 0xbe0

#endif
