/*
 * End-to-end: callers who hang up, through the simulated voice modem
 * into the line thread and a flow (a menu, a greeting), on both
 * families -- busy,
 * dial tone, a loop-current break and NO CARRIER (from a modem that
 * leaves the line to kefu) while a prompt plays and while kefu waits for
 * keys.  Each call must be on hook within 1 s of the signal, logged as a
 * hang-up, and the line ready for the next caller.  The times are
 * printed (TAP comments) for the record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
				/* the test: past the USR's start */
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
}

int
main(void)
{
	setenv("KEFU_MODEM_SPEED", E2E_SPEED, 0);
	e2e_families("e2e-hup", e2e_hangups);
	return tap_done();
}
