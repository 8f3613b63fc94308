/*
 * The system-call fuzzing system (configs/fuzz.toml,
 * qemu_virt_fuzz_defconfig, docs/testing.md "Fuzzing system"): what its
 * programs share. This directory is not a program of its own; the victim
 * and the attacker include this header.
 *
 * Containers: "victim" (container 0, so its first pager is the first
 * thread the kernel makes: tid 1, the conductor) and FZ_ATTACKERS
 * containers "attacker1", "attacker2" that run one program,
 * containers/tests/fuzz/attacker, linked per container.
 *
 * An attacker lives FZ_LIVES times (restart = "always", restart_limit =
 * FZ_LIVES - 1; test_fuzz.py checks the manifest agrees). Every life
 * checks in with the conductor by an ipc call (FZ_CHECKIN) and is told
 * what to do in a full-message answer (enum fz_hello_word):
 *
 *  life 0           calibrate: park (FZ_PARK) and, when released, exit
 *                   with nothing made. The conductor releases the
 *                   attackers one at a time, so the free-page figure of
 *                   each such death is taken with everything else at rest;
 *  1 .. FZ_LIVES-2  fuzz: FZ_CALLS / FZ_ATTACKERS / FZ_FUZZ_LIVES calls in
 *                   rounds, each round ending with everything made
 *                   destroyed and every budget checked; report
 *                   (FZ_REPORT), then end in a way the seed picks (exit
 *                   clean, exit or crash or self-destroy leaving threads,
 *                   capabilities, bindings and waits behind);
 *  FZ_LIVES - 1     close: print the totals the conductor kept and the
 *                   attacker's last TEST line, park, exit when released
 *                   (again one at a time, so the figures compare).
 *
 * The run's one "N passed, N failed" line is the conductor's: the
 * attackers' TEST lines are counted from their reports.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>

#define FZ_CONDUCTOR_TID 1u /* victim's first pager: slot 1, generation 0 */
#define FZ_ATTACKERS 2
#define FZ_LIVES 6
#define FZ_FUZZ_LIVES (FZ_LIVES - 2)

#ifndef CONFIG_FUZZ_SEED
#define CONFIG_FUZZ_SEED 1
#endif
#ifndef CONFIG_FUZZ_CALLS
#define CONFIG_FUZZ_CALLS 100000
#endif

/* Calls of one fuzz life of one attacker. */
#define FZ_LIFE_CALLS                                                          \
	((uint32_t)CONFIG_FUZZ_CALLS / FZ_ATTACKERS / FZ_FUZZ_LIVES)
/* Calls of a round: after each, everything made is destroyed and every
 * budget must be back at its start value. */
#define FZ_ROUND_CALLS 2500u

/* Message labels (ipc tag labels). */
#define FZ_CHECKIN 0x4600u /* MR0 magic, MR1 life, MR2 container */
#define FZ_HELLO 0x4601u   /* the answer: full message, enum fz_hello_word */
#define FZ_REPORT 0x4602u  /* full message, enum fz_report_word */
#define FZ_PARK 0x4603u    /* MR0 magic, MR1 life, MR2 1: its TEST passed */
#define FZ_RELEASE 0x4604u /* the answer to a park: exit now */
#define FZ_STOP 0x4605u    /* the victim's pager to its own threads */
#define FZ_ROUND 0x4606u   /* the victim's worker to its partner */
#define FZ_MAGIC 0xf022c4ecu

enum fz_mode { FZ_MODE_CALIBRATE = 1, FZ_MODE_FUZZ, FZ_MODE_CLOSE };

/* The conductor's answer to a check-in: UTCB mr[] words. */
enum fz_hello_word {
	FZ_H_MAGIC,
	FZ_H_MODE,	    /* enum fz_mode */
	FZ_H_QUOTA,	    /* calls this life makes */
	FZ_H_VICTIM_PAGER,  /* the victim's threads, for cross-container */
	FZ_H_SINK,	    /* ... calls: receives from anyone */
	FZ_H_WORKER,	    /* calls its partner */
	FZ_H_PARTNER,	    /* receives from the worker only */
	FZ_H_CHECKER,	    /* checksums the pattern */
	FZ_H_SLEEPER,	    /* waits on a contended mutex */
	FZ_H_IRQ_THREAD,    /* has the RTC's IRQ bound */
	FZ_H_OTHER,	    /* the other attacker's pager (0: not known) */
	FZ_H_VCAP_LO,	    /* the victim's capability ids, lowest .. */
	FZ_H_VCAP_HI,	    /* .. highest: forged ids for the attackers */
	FZ_H_TOTAL_CALLS,   /* close: calls its fuzz lives reported */
	FZ_H_LIVES_PASSED,  /* close: fuzz lives that reported no failure */
	FZ_H_LIVES_REPORTED, /* close: fuzz lives that reported at all */
	FZ_H_WORDS
};

/* A fuzz life's report: UTCB mr[] words. */
enum fz_report_word {
	FZ_R_MAGIC,
	FZ_R_LIFE,
	FZ_R_CALLS,	/* calls that returned */
	FZ_R_ROUNDS,
	FZ_R_FAILED,	/* 0: its TEST line passed */
	FZ_R_STUBS,	/* calls made by stub threads (part of CALLS) */
	FZ_R_SEQS,	/* structured sequences run */
	FZ_R_WORDS
};

/* ---- a deterministic PRNG -------------------------------------------- */

/* A counter hashed with the murmur3 finaliser: the same seed gives the
 * same stream on every run (and under -icount the same run). */
struct fz_rng {
	uint32_t state;
};

static inline uint32_t fz_mix(uint32_t z)
{
	z ^= z >> 16;
	z *= 0x85ebca6bu;
	z ^= z >> 13;
	z *= 0xc2b2ae35u;
	z ^= z >> 16;
	return z;
}

static inline void fz_seed(struct fz_rng *r, uint32_t seed, uint32_t a,
			   uint32_t b)
{
	r->state = fz_mix(seed ^ fz_mix(a * 0x9e3779b9u + 0x51ed27u) ^
			  fz_mix(b * 0x7f4a7c15u + 0x2545f491u));
}

static inline uint32_t fz_next(struct fz_rng *r)
{
	r->state += 0x9e3779b9u;
	return fz_mix(r->state);
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)fz_next(r) * n) >> 32);
}

/* True with probability num/den. */
static inline int fz_chance(struct fz_rng *r, uint32_t num, uint32_t den)
{
	return fz_below(r, den) < num;
}

#endif
