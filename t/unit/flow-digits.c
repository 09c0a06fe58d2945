/*
 * flow-digits.c: the timing model (flow/digits.c) on a virtual clock.
 * First the cases of the table in kefu-flow(5), each with the time the
 * entry completes; then every combination of min/max digits, terminator
 * and term timeout against the model's invariants.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "t/tap.h"

struct outcome {
	enum flow_dstate state;
	char value[FLOW_DIGITS_MAX + 1];
	const char *why;
	uint64_t at;            /* clock when it completed */
};

/*
 * Run a script on a collector started at t=0: a key character is
 * pressed at the current time; "+N" advances the clock N ms, firing
 * the timer whenever it is due.  After the script the clock runs on
 * (at most 10 minutes) until the entry completes.
 */
static struct outcome
run(int min, int max, char term, int first, int inter, int tterm,
    const char *script)
{
	struct flow_digits_cfg cfg = { min, max, term, first, inter, tterm };
	struct flow_digits d;
	struct outcome o;
	uint64_t now = 0, target;
	const char *p = script;
	char *end;

	flow_digits_start(&d, &cfg, now);
	while (*p != '\0' && d.state == FLOW_D_MORE) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '+') {
			target = now + strtoull(p + 1, &end, 10);
			p = end;
			while (d.state == FLOW_D_MORE && d.deadline <= target) {
				now = d.deadline;
				flow_digits_tick(&d, now);
			}
			if (d.state == FLOW_D_MORE)
				now = target;
			continue;
		}
		flow_digits_key(&d, *p++, now);
	}
	target = now + 600000;
	while (d.state == FLOW_D_MORE && d.deadline <= target) {
		now = d.deadline;
		flow_digits_tick(&d, now);
	}
	o.state = d.state;
	strcpy(o.value, d.buf);
	o.why = d.why;
	o.at = now;
	return o;
}

struct tcase {
	const char *name;
	int min, max;
	char term;
	int tterm;
	const char *script;
	enum flow_dstate state;
	const char *value;
	const char *why;
	uint64_t at;
};

/* first-digit timeout 5000, inter-digit timeout 3000 throughout */
static const struct tcase cases[] = {
	{ "no key: noinput after the first-digit timeout",
	  1, 4, '#', 0, "", FLOW_D_NOINPUT, "", "first-digit timeout", 5000 },
	{ "no key with min-digits=0 is still noinput",
	  0, 4, '#', 0, "", FLOW_D_NOINPUT, "", "first-digit timeout", 5000 },
	{ "a key just before the first-digit timeout counts",
	  1, 4, '#', 0, "+4999 1", FLOW_D_MATCH, "1", "inter-digit timeout",
	    7999 },
	{ "a key at the first-digit timeout is too late",
	  1, 4, '#', 0, "+5000 1", FLOW_D_NOINPUT, "", "first-digit timeout",
	    5000 },
	{ "max digits without terminator wait: done at once",
	  1, 4, '#', 0, "+100 1 +100 2 +100 3 +100 4", FLOW_D_MATCH, "1234",
	    "max digits", 400 },
	{ "max digits with no terminator configured: done at once",
	  1, 4, 0, 2000, "+100 1234", FLOW_D_MATCH, "1234", "max digits", 100 },
	{ "# ends entry at once (no inter-digit wait)",
	  1, 13, '#', 0, "+100 12 +200 34#", FLOW_D_MATCH, "1234", "terminator",
	    300 },
	{ "# before min digits is invalid at once",
	  4, 13, '#', 0, "+100 12#", FLOW_D_INVALID, "12", "too few digits",
	    100 },
	{ "# alone with min-digits=0 is an empty answer",
	  0, 4, '#', 0, "+100 #", FLOW_D_MATCH, "", "terminator", 100 },
	{ "# alone with min-digits=1 is invalid",
	  1, 4, '#', 0, "+100 #", FLOW_D_INVALID, "", "too few digits", 100 },
	{ "short entry: inter-digit timeout completes it (FreeSWITCH #1550)",
	  1, 13, '#', 0, "+100 123", FLOW_D_MATCH, "123", "inter-digit timeout",
	    3100 },
	{ "short entry below min: invalid after inter-digit timeout, "
	  "never a hang",
	  4, 13, '#', 0, "+100 12", FLOW_D_INVALID, "12", "too few digits",
	    3100 },
	{ "each key restarts the inter-digit timer",
	  1, 13, '#', 0, "1 +2999 2 +2999 3", FLOW_D_MATCH, "123",
	    "inter-digit timeout", 8998 },
	{ "a key after the inter-digit timeout starts nothing new",
	  1, 13, '#', 0, "1 +3000 2", FLOW_D_MATCH, "1", "inter-digit timeout",
	    3000 },
	{ "term timeout: max reached, # within term-timeout ends at once",
	  1, 4, '#', 2000, "1234 +500 #", FLOW_D_MATCH, "1234", "terminator",
	    500 },
	{ "term timeout: max reached, no # -> match when it expires",
	  1, 4, '#', 2000, "1234", FLOW_D_MATCH, "1234", "term timeout", 2000 },
	{ "term timeout: a digit past max is invalid",
	  1, 4, '#', 2000, "12345", FLOW_D_INVALID, "1234", "too many digits",
	    0 },
	{ "no terminator: # is an ordinary key",
	  1, 4, 0, 0, "1#", FLOW_D_MATCH, "1#", "inter-digit timeout", 3000 },
	{ "* as terminator",
	  1, 8, '*', 0, "12*", FLOW_D_MATCH, "12", "terminator", 0 },
	{ "menu shape (max 1, no terminator): one key is at once",
	  1, 1, 0, 0, "+700 3", FLOW_D_MATCH, "3", "max digits", 700 },
	{ "EAN-13 typed then #",
	  4, 14, '#', 0, "6901234567892#", FLOW_D_MATCH, "6901234567892",
	    "terminator", 0 },
};

static void
test_table(void)
{
	const struct tcase *c;
	struct outcome o;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		c = &cases[i];
		o = run(c->min, c->max, c->term, 5000, 3000, c->tterm,
		    c->script);
		ok(o.state == c->state && strcmp(o.value, c->value) == 0 &&
		    strcmp(o.why, c->why) == 0 && o.at == c->at,
		    "%s", c->name);
		if (o.state != c->state || strcmp(o.value, c->value) != 0 ||
		    strcmp(o.why, c->why) != 0 || o.at != c->at)
			tap_diag("got %s \"%s\" (%s) at %llu",
			    flow_dstate_name(o.state),
			    o.value, o.why, (unsigned long long)o.at);
	}
}

/*
 * Every combination: min 0..3, max 1..4, terminator none/#, term
 * timeout 0/2000, and key counts 0..max+1 with or without a trailing
 * terminator.  The invariants: no key -> noinput at 5000; a terminator
 * ends entry when pressed; nothing waits longer than the last key plus
 * the longest timer; a match holds between min and max digits.
 */
static void
test_matrix(void)
{
	char script[64], want[16];
	struct outcome o;
	int min, max, t, tt, nk, withterm, bad = 0, total = 0;
	char term;
	enum flow_dstate exp;

	for (min = 0; min <= 3; min++)
	for (max = 1; max <= 4; max++)
	for (t = 0; t < 2; t++)
	for (tt = 0; tt < 2; tt++)
	for (nk = 0; nk <= max + 1; nk++)
	for (withterm = 0; withterm < 2; withterm++) {
		if (min > max || (withterm && t == 0))
			continue;
		term = t ? '#' : 0;
		memset(want, 0, sizeof want);
		memset(want, '5', (size_t)(nk > max ? max : nk));
		snprintf(script, sizeof script, "%.*s%s", nk, "5555555555",
		    withterm ? "#" : "");
		o = run(min, max, term, 5000, 3000, tt ? 2000 : 0, script);
		total++;
		/* the oracle, straight from the table in kefu-flow(5) */
		if (nk == 0 && !withterm)
			exp = FLOW_D_NOINPUT;
		else if (nk > max)
			exp = (term && tt) ? FLOW_D_INVALID : FLOW_D_MATCH;
		else if (nk < min)
			exp = FLOW_D_INVALID;
		else if (nk == max && withterm && !(term && tt))
			exp = FLOW_D_MATCH;     /* done at max; # comes later */
		else
			exp = FLOW_D_MATCH;
		if (o.state != exp) {
			bad++;
			tap_diag("min=%d max=%d term=%c tt=%d keys=%s: "
			    "%s (%s), want %s",
			    min, max, term ? term : '-', tt, script,
			    flow_dstate_name(o.state), o.why,
			    flow_dstate_name(exp));
			continue;
		}
		if (o.state == FLOW_D_MATCH &&
		    ((int)strlen(o.value) < min || (int)strlen(o.value) > max ||
		    strcmp(o.value, want) != 0)) {
			bad++;
			tap_diag("match outside min/max: %s", o.value);
		}
		if (withterm && nk < max && o.at != 0) {
			bad++;
			tap_diag("terminator did not end entry at once (%s)",
			    script);
		}
		if (o.at > 3000 + 2000) {	/* first-digit + inter-digit */
			bad++;
			tap_diag("waited too long: %llu (%s)",
			    (unsigned long long)o.at, script);
		}
	}
	ok(bad == 0, "timing matrix: %d combinations hold the invariants",
	    total);
	ok(total > 100, "matrix is not empty (%d)", total);
}

static void
test_api(void)
{
	struct flow_digits_cfg cfg = { 1, 4, '#', 5000, 3000, 0 };
	struct flow_digits d;

	flow_digits_start(&d, &cfg, 1000);
	is_int(d.deadline, 6000, "first-digit deadline is start + timeout");
	is_int(flow_digits_tick(&d, 5999), FLOW_D_MORE, "not due yet");
	is_int(flow_digits_key(&d, '1', 5999), FLOW_D_MORE, "key accepted");
	is_int(d.deadline, 8999, "inter-digit deadline restarted");
	is_int(flow_digits_key(&d, '#', 6000), FLOW_D_MATCH, "terminator");
	is_int(flow_digits_key(&d, '2', 6001), FLOW_D_MATCH,
	    "keys after completion are ignored");
	is_str(d.buf, "1", "value kept");
	is_str(flow_dstate_name(FLOW_D_NOINPUT), "noinput", "state names");
}

int
main(void)
{
	test_table();
	test_matrix();
	test_api();
	return tap_done();
}
