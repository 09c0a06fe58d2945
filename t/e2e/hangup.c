/*
 * End-to-end: callers who hang up, through the simulated voice modem
 * into the line thread and a flow (a menu, a greeting), on both
 * families -- busy,
 * dial tone, a loop-current break and NO CARRIER (from a modem that
 * leaves the line to kefu) while a prompt plays and while kefu waits for
 * keys.  Each call must be on hook within 1 s of the signal, logged as a
 * hang-up, and the line ready for the next caller.  The times are
 * printed (TAP comments) for the record.  Also: a store that cannot take
 * the call log at that moment (another writer holds its lock) does not
 * keep the line off hook; the log is written once the lock is free.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "line/line.h"
#include "e2e.h"
#include "../tap.h"

/* A short menu; its key 1 plays the long greeting and comes back. */
static const char flow_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<flow name=\"main\">\n"
    "  <menu id=\"top\" invalid-prompt=\"input.invalid\"\n"
    "      timeout-prompt=\"input.timeout\" max-invalid=\"1\"\n"
    "      max-timeouts=\"1\" escalate=\"bye\" timeout=\"20s\">\n"
    "    <item key=\"1\" prompt=\"greet.short\" goto=\"hello\"/>\n"
    "  </menu>\n"
    "  <play id=\"hello\" prompt=\"greet.long\" next=\"top\"/>\n"
    "  <play id=\"bye\" prompt=\"sys.goodbye\"/>\n"
    "</flow>\n";

static int
write_flow(const char *dir)
{
	char path[200];
	FILE *f;

	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/main.xml", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(flow_xml, f);
	return fclose(f);
}

/*
 * Bytes of the greeting played before the signal: 1.5 s of audio, and
 * 600 ms of real time at the line's pace (KEFU_MODEM_SPEED, e2e.c).
 */
static size_t
greet_bytes(void)
{
	const char *env = getenv("KEFU_MODEM_SPEED");
	long speed = env != NULL ? atol(env) : 1;

	return speed > 2 ? (size_t)(8000 * 6 / 10 * speed) : 12000;
}

static void e2e_store_busy(const char *base);

static void
e2e_hangups(enum msim_family fam, const char *family, const char *base)
{
	static const struct {
		enum msim_hangup how;
		int keeps_line;         /* MSIM_FAULT_NC_KEEPS_LINE */
		const char *name;
	} sig[] = {
		{ MSIM_HUP_BUSY, 0, "busy" },
		{ MSIM_HUP_DIALTONE, 0, "dial tone" },
		{ MSIM_HUP_LOOP, 0, "loop break" },
		{ MSIM_HUP_NOCARRIER, 1, "NO CARRIER" },
	};
	static const char *const states[] = { "playing", "collecting keys" };
	struct msim_stats st;
	struct e2e e;
	char dir[160], *outcome, *flows;
	size_t i, s;
	int64_t ms;

	snprintf(dir, sizeof dir, "%s/flows-%s", base, family);
	if (write_flow(dir) == -1)
		tap_diag("cannot write %s", dir);
	flows = xstrdup(dir);
	snprintf(dir, sizeof dir, "%s/%s", base, family);
	ok(e2e_open(&e, fam, dir, flows) == 0, "%s: service and line up",
	    family);
	free(flows);
	if (e.ln == NULL || line_state(e.ln) != LINE_IDLE)
		goto out;
	for (i = 0; i < nitems(sig); i++) {
		for (s = 0; s < nitems(states); s++) {
			msim_misbehave(e.sim, MSIM_FAULT_NC_KEEPS_LINE,
			    (unsigned)sig[i].keeps_line);
			if (e2e_ring(&e, NULL) == -1) {
				ok(0, "%s: call answered", family);
				continue;
			}
			/* the menu said: kefu waits for a key */
			if (msim_wait_state(e.sim, MSIM_VRX, 20000) == -1)
				tap_diag("no key wait");
			if (s == 0) {
				/*
				 * key 1; the signal 1.5 s into the greeting
				 * (8 bit), and at least 600 ms of real time
				 * into it, past the USR's own dial tone
				 */
				msim_dtmf(e.sim, "1", 100);
				if (e2e_hangup_at(&e, 1, sig[i].how,
				    greet_bytes()) == -1)
					tap_diag("no greeting");
			} else {
				/*
				 * The USR's 500 ms of dial tones taken for
				 * its own start from when kefu read CONNECT
				 * (late on a loaded machine): once it has,
				 * the test: past them.
				 */
				if (msim_wait_read(e.sim, 10000) == -1)
					tap_diag("CONNECT not read");
				sleep_ms(600);
				msim_hangup(e.sim, sig[i].how, 0);
			}
			ok(e2e_wait_end(&e, 15000) == 0, "%s, %s while %s: "
			    "on hook and the line idle again", family,
			    sig[i].name, states[s]);
			msim_stats(e.sim, &st);
			ms = st.hangup_us == 0 ? -1 : ((int64_t)st.onhook_us -
			    (int64_t)st.hangup_us) / 1000;
			ok(ms >= 0 && ms < 1000, "%s, %s while %s: on hook "
			    "%lld ms after the signal", family, sig[i].name,
			    states[s], (long long)ms);
			outcome = e2e_last_col(&e, "outcome");
			is_str(outcome, "hangup", "%s, %s while %s: logged as "
			    "a hang-up", family, sig[i].name, states[s]);
			free(outcome);
		}
	}
out:
	e2e_close(&e);
	if (fam == MSIM_CONEXANT)
		e2e_store_busy(base);
}

/* Another writer of the local store: holds its lock until released. */
struct busy {
	struct db_source *src;
	int fd[2];              /* "w" once the lock is held */
	atomic_int release;
	int rc;
	struct db_err err;
};

static int
busy_tx(struct db_tx *tx, void *arg, struct db_err *err)
{
	struct busy *b = arg;
	struct db_result *res = NULL;
	struct db_query q = { 0 };

	q.sql = "DELETE FROM call_log WHERE id = -1";
	q.writes = 1;
	if (db_tx_run(tx, &q, &res, err) == -1)
		return -1;
	db_result_free(res);
	if (write(b->fd[1], "w", 1) != 1)
		tap_diag("cannot tell the test the lock is held");
	/* until the test lets go (a minute at most: no hang) */
	tap_wait(atomic_load(&b->release), 60000);
	return 0;
}

static void *
busy_main(void *arg)
{
	struct busy *b = arg;

	b->rc = db_tx(b->src, busy_tx, b, &b->err);
	return NULL;
}

/*
 * The caller hangs up (loop break, while kefu waits for a key) while
 * another writer holds the store's lock: on hook within 1 s all the
 * same, and the call logged once the lock is free (before it, the line
 * stayed off hook until the call log was written).
 */
static void
e2e_store_busy(const char *base)
{
	struct conf_datasource ds;
	struct msim_stats st;
	struct busy b;
	struct e2e e;
	pthread_t tid;
	char dir[160], *flows, *connect[1], *cause = NULL, *outcome, c;
	int64_t ms;
	int onhook;

	snprintf(dir, sizeof dir, "%s/flows-conexant", base);
	flows = xstrdup(dir);
	snprintf(dir, sizeof dir, "%s/busy", base);
	ok(e2e_open(&e, MSIM_CONEXANT, dir, flows) == 0, "store busy: "
	    "service and line up");
	free(flows);
	if (e.ln == NULL || line_state(e.ln) != LINE_IDLE)
		goto out;
	memset(&ds, 0, sizeof ds);
	memset(&b, 0, sizeof b);
	connect[0] = xasprintf("Driver=SQLite3;Database=%s/kefu.db", dir);
	ds.name = (char *)"busy";
	ds.connect = connect;
	ds.nconnect = 1;
	ds.encoding = (char *)"UTF-8";
	ds.pool_size = 1;
	ds.pool_wait_ms = 1000;
	ds.connect_timeout_ms = 5000;
	if (db_source_open(&ds, NULL, &b.src, &cause) == -1 ||
	    pipe(b.fd) == -1) {
		ok(0, "store busy: a second writer: %s", cause);
		free(cause);
		free(connect[0]);
		goto out;
	}
	if (e2e_ring(&e, NULL) == -1 ||
	    msim_wait_state(e.sim, MSIM_VRX, 20000) == -1)
		tap_diag("store busy: no call, or no key wait");
	pthread_create(&tid, NULL, busy_main, &b);
	ok(read(b.fd[0], &c, 1) == 1, "store busy: another writer holds the "
	    "store's lock");
	msim_hangup(e.sim, MSIM_HUP_LOOP, 0);
	/* 5 s bound a hang; the pass is within 1 s of the signal, below */
	onhook = msim_wait_hook(e.sim, 0, 5000) == 0;
	msim_stats(e.sim, &st);
	ms = st.hangup_us == 0 || !onhook ? -1 : ((int64_t)st.onhook_us -
	    (int64_t)st.hangup_us) / 1000;
	ok(ms >= 0 && ms < 1000, "store busy: on hook %lld ms after the "
	    "signal, the call log not yet written", (long long)ms);
	atomic_store(&b.release, 1);
	pthread_join(tid, NULL);
	ok(b.rc == 0, "store busy: the other writer committed (%s)",
	    b.rc == 0 ? "ok" : b.err.msg);
	ok(e2e_wait_end(&e, 15000) == 0, "store busy: the line idle again");
	outcome = e2e_last_col(&e, "outcome");
	is_str(outcome, "hangup", "store busy: then the call is logged, as "
	    "a hang-up");
	free(outcome);
	db_source_close(b.src);
	close(b.fd[0]);
	close(b.fd[1]);
	free(connect[0]);
out:
	e2e_close(&e);
}

int
main(void)
{
	setenv("KEFU_MODEM_SPEED", E2E_SPEED, 0);
	e2e_families("e2e-hup", e2e_hangups);
	return tap_done();
}
