/*
 * fake-transport.h: a message transport of the test's own, without a
 * peer, for the outbox worker tests (t/unit/msg-worker.c, msg-budget.c):
 * it counts connections and hand-overs (in all and by message id) and
 * fails as the test sets it to -- a connection refused, the peer found
 * down once, messages refused by number, a pace a send.  Header-only:
 * one copy of its state in each test program, fake_reset between cases.
 */
#ifndef KEFU_T_FAKE_TRANSPORT_H
#define KEFU_T_FAKE_TRANSPORT_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

#define FAKE_MAXMSG 1024        /* message ids fake_sends counts */

static atomic_uint fake_opens;  /* connections opened (or refused) */
static atomic_uint fake_sent;   /* messages the transport took */
static atomic_uint fake_sends[FAKE_MAXMSG + 1]; /* the same by id */
static atomic_uint fake_refuse; /* the open numbered this fails (0: none) */
static atomic_uint fake_refuse_ms;      /* ... after this long */
static atomic_int fake_fail_upto;       /* messages numbered up to this
					   are refused (0: none) */
static atomic_int fake_down_once;       /* the next send finds the peer
					   down */
static atomic_uint fake_pace_ms;        /* a send takes this long */

/* Every counter and setting back to 0. */
static inline void
fake_reset(void)
{
	int i;

	for (i = 0; i <= FAKE_MAXMSG; i++)
		atomic_store(&fake_sends[i], 0);
	atomic_store(&fake_opens, 0);
	atomic_store(&fake_sent, 0);
	atomic_store(&fake_refuse, 0);
	atomic_store(&fake_refuse_ms, 0);
	atomic_store(&fake_fail_upto, 0);
	atomic_store(&fake_down_once, 0);
	atomic_store(&fake_pace_ms, 0);
}

/* A message's number: the digits after the last '-' of its recipient. */
static inline int
fake_msg_number(const struct store_msg *m)
{
	const char *p = strrchr(m->recipient, '-');

	return p != NULL ? atoi(p + 1) : 0;
}

static inline int
fake_open(const struct msg_env *env, void **state, char **cause)
{
	unsigned n = atomic_fetch_add(&fake_opens, 1) + 1;

	(void)env;
	if (n == atomic_load(&fake_refuse)) {
		/* the test: the others have sent a while when it goes */
		if (atomic_load(&fake_refuse_ms) > 0)
			sleep_ms(atomic_load(&fake_refuse_ms));
		return kf_error(cause, "fake: connection %u refused", n);
	}
	*state = xcalloc(1, 1);
	return 0;
}

static inline int
fake_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	int k = fake_msg_number(m);

	(void)state;
	(void)att;
	(void)natt;
	if (atomic_load(&fake_pace_ms) > 0)  /* the test: a peer's pace */
		sleep_ms(atomic_load(&fake_pace_ms));
	if (atomic_exchange(&fake_down_once, 0)) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;
		snprintf(r->detail, sizeof r->detail, "fake: peer down");
		return 0;
	}
	if (k > 0 && k <= atomic_load(&fake_fail_upto)) {
		r->outcome = MSG_PERMFAIL;
		snprintf(r->detail, sizeof r->detail, "fake: refused");
		return 0;
	}
	if (m->id > 0 && m->id <= FAKE_MAXMSG)
		atomic_fetch_add(&fake_sends[m->id], 1);
	atomic_fetch_add(&fake_sent, 1);
	r->outcome = MSG_SENT;
	snprintf(r->remote_id, sizeof r->remote_id, "f%lld",
	    (long long)m->id);
	return 0;
}

static inline void
fake_close(void *state)
{
	free(state);
}

static const struct msg_transport_ops fake_ops = {
	.name = "fake", .channel = "sms", .open = fake_open,
	.send = fake_send, .close = fake_close,
};

#endif
