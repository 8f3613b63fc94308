/*
 * The POSIX test system's two other containers (configs/posix_test.toml):
 * echo, which the POSIX container has a channel to, and secret, which it
 * has none to (echo has). The cases of containers/posix/server/init.c
 * ("channel.*") call echo from processes; nothing may reach secret.
 */
#ifndef POSIX_PEER_H
#define POSIX_PEER_H

/* Labels of a call to echo; every answer is MR0 (and MR1 for DONE). */
#define ECHO_ADD    1 /* MR0 + 1 */
#define ECHO_SECRET 2 /* secret's tid (echo's own channel_lookup) */
#define ECHO_PROBE  3 /* echo's nonblocking send to tid MR0: its result */
#define ECHO_DONE   4 /* 0, MR1 the messages secret had from anyone but
		       * echo; then both end */

/* Labels echo sends to secret */
#define SECRET_DONE 1 /* answer: the messages from others; then it ends */

#endif
