/*
 * digits.c: the digit collector, the timing model of kefu-flow(5) (after
 * VoiceXML 2.0 Appendix D: timeout, interdigittimeout, termtimeout,
 * termchar).  Pure: it never reads a clock or sleeps; the caller feeds
 * keys and clock values, so every combination is tested without waiting.
 */
#include "config.h"

#include <string.h>

#include "flow/flow.h"

static const char *const digits_state_names[] = {
	"more", "match", "invalid", "noinput",
};

const char *
flow_dstate_name(enum flow_dstate s)
{
	return (size_t)s < nitems(digits_state_names) ?
	    digits_state_names[s] : "?";
}

static enum flow_dstate
digits_end(struct flow_digits *d, enum flow_dstate s, const char *why)
{
	d->state = s;
	d->why = why;
	return s;
}

void
flow_digits_start(struct flow_digits *d, const struct flow_digits_cfg *cfg,
    uint64_t now)
{
	memset(d, 0, sizeof *d);
	d->cfg = *cfg;
	if (d->cfg.max_digits < 1 || d->cfg.max_digits > FLOW_DIGITS_MAX)
		d->cfg.max_digits = FLOW_DIGITS_MAX;
	if (d->cfg.min_digits > d->cfg.max_digits)
		d->cfg.min_digits = d->cfg.max_digits;
	d->deadline = now + (uint64_t)(cfg->first_ms > 0 ? cfg->first_ms : 0);
	d->state = FLOW_D_MORE;
	d->why = "collecting";
}

/*
 * A key: the terminator ends collection at once (valid when at least
 * min digits came); a digit past max is invalid; reaching max completes
 * at once unless a terminator and a term timeout are configured, in
 * which case the collector waits that long for the terminator.
 */
enum flow_dstate
flow_digits_key(struct flow_digits *d, char key, uint64_t now)
{
	if (d->state != FLOW_D_MORE)
		return d->state;
	if (d->cfg.terminator != '\0' && key == d->cfg.terminator) {
		if (d->n < d->cfg.min_digits)
			return digits_end(d, FLOW_D_INVALID, "too few digits");
		return digits_end(d, FLOW_D_MATCH, "terminator");
	}
	if (d->at_max)
		return digits_end(d, FLOW_D_INVALID, "too many digits");
	d->buf[d->n++] = key;
	d->buf[d->n] = '\0';
	if (d->n >= d->cfg.max_digits) {
		if (d->cfg.terminator == '\0' || d->cfg.term_ms <= 0)
			return digits_end(d, FLOW_D_MATCH, "max digits");
		d->at_max = 1;
		d->deadline = now + (uint64_t)d->cfg.term_ms;
		return d->state;
	}
	d->deadline = now + (uint64_t)(d->cfg.inter_ms > 0 ?
	    d->cfg.inter_ms : 0);
	return d->state;
}

/*
 * The timer: no key at all is noinput; after max digits the term
 * timeout completes the entry; otherwise the inter-digit timeout
 * completes it when enough digits came and makes it invalid when not
 * (never "wait for more" forever).
 */
enum flow_dstate
flow_digits_tick(struct flow_digits *d, uint64_t now)
{
	if (d->state != FLOW_D_MORE || now < d->deadline)
		return d->state;
	if (d->n == 0)
		return digits_end(d, FLOW_D_NOINPUT, "first-digit timeout");
	if (d->at_max)
		return digits_end(d, FLOW_D_MATCH, "term timeout");
	if (d->n >= d->cfg.min_digits)
		return digits_end(d, FLOW_D_MATCH, "inter-digit timeout");
	return digits_end(d, FLOW_D_INVALID, "too few digits");
}
