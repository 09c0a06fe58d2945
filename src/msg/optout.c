/*
 * optout.c: opt-out by SMS keyword -- whether an inbound text says "stop
 * sending me messages" (TD, 退订, T, N, 0: the words Chinese operators and
 * senders use), in half- or full-width forms, any case, with spaces
 * around; and what follows one: the member's SMS off or an opt-out list
 * entry, a consent_ledger row with the inbound message as evidence, and a
 * confirmation through the outbox (store/sms.c writes them).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

/* The keywords after folding (ASCII upper case, half width). */
static const char *const optout_words[] = {
	"TD", "T", "N", "0", "退订", "退訂", "取消订阅",
};

/* One UTF-8 character at s: its code point and length (bad: 0xFFFD, 1). */
static unsigned
optout_utf8(const unsigned char *s, size_t *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*len = 2;
		return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 &&
	    (s[2] & 0xC0) == 0x80) {
		*len = 3;
		return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) |
		    (s[2] & 0x3Fu);
	}
	*len = 1;
	return 0xFFFD;
}

/*
 * Fold text into out: full-width ASCII (U+FF01-FF5E) and the ideographic
 * space to their half-width forms, letters upper case, blanks around
 * dropped.  Other characters are copied as they are.
 */
static void
optout_fold(const char *text, char *out, size_t outsz)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n = 0, len, end;
	unsigned c;

	while (s[i] != '\0' && n + 4 < outsz) {
		c = optout_utf8(s + i, &len);
		if (c >= 0xFF01 && c <= 0xFF5E)
			c -= 0xFEE0;
		else if (c == 0x3000)
			c = ' ';
		if (c < 0x80) {
			if (c >= 'a' && c <= 'z')
				c -= 'a' - 'A';
			if (n > 0 || (c != ' ' && c != '\t' && c != '\r' &&
			    c != '\n'))
				out[n++] = (char)c;
		} else {
			memcpy(out + n, s + i, len);
			n += len;
		}
		i += len;
	}
	out[n] = '\0';
	for (end = n; end > 0 && (out[end - 1] == ' ' || out[end - 1] == '\t' ||
	    out[end - 1] == '\r' || out[end - 1] == '\n'); end--)
		;
	out[end] = '\0';
}

const char *
optout_word(const char *text)
{
	char folded[64];
	size_t i;

	if (strlen(text) >= sizeof folded - 8)
		return NULL; /* a long text is a message, not a word */
	optout_fold(text, folded, sizeof folded);
	for (i = 0; i < nitems(optout_words); i++)
		if (strcmp(folded, optout_words[i]) == 0)
			return optout_words[i];
	return NULL;
}

int
optout_inbound(struct db_source *src, const struct conf *cfg,
    int64_t inbox_id, const char *sender, const char *word, char **cause)
{
	struct store_sms_optout o = { .number = sender, .via = "sms",
	    .inbox_id = inbox_id };
	struct store_outbox_new m = { .channel = "sms", .recipient = sender,
	    .msg_class = "transactional" };
	char now[20], *note, *key;
	int64_t member = 0, reply = 0;
	int rc;

	msg_time(now, 0);
	note = xasprintf("keyword \"%s\" by SMS (inbox %lld)", word,
	    (long long)inbox_id);
	key = xasprintf("sms-optout:%lld", (long long)inbox_id);
	o.note = note;
	o.now = now;
	if (cfg->sms_optout_reply != NULL && *cfg->sms_optout_reply != '\0') {
		m.body = cfg->sms_optout_reply;
		m.idem_key = key;
		o.reply = &m;
	}
	/* ledger, SMS off, confirmation, the message marked: one
	 * transaction, so a store failing part-way leaves none of them and
	 * the message on the SIM is acted on when it is read again */
	rc = store_sms_optout(src, &o, &member, &reply, cause);
	free(note);
	free(key);
	if (rc == -1)
		return -1;
	if (rc == 0)
		log_info("sms: %s opted out of SMS by the keyword \"%s\"%s "
		    "(inbox %lld)%s", sender, word, member ? " (a member)" : "",
		    (long long)inbox_id, reply ? "; confirmation queued" : "");
	return 0;
}
