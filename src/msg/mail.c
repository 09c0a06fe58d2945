/*
 * mail.c: the e-mail transport -- SMTP (RFC 5321) with STARTTLS (RFC
 * 3207) and AUTH (RFC 4954) by kefu's own client (smtp.c: a batch
 * pipelined, RFC 2920) or, with [email] client = libcurl, through
 * libcurl's easy handle; either way one reused connection per worker.
 * Each message is composed whole as bytes by mail_compose_cached
 * (mime.c, GMime; a campaign's body once a connection); kefu's client
 * dot-stuffs them, libcurl reads them through a read callback and
 * dot-stuffs them itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "msg/smtp.h"
#include "store/store.h"
#include "util/util.h"

/* A worker's SMTP state. */
struct mail {
	CURL *curl;             /* reused: keeps the SMTP connection open */
	const struct conf *cfg;
	char *domain;           /* of the from address, for Message-ID
				   (A-labels: mail_domain) */
	char last[400];         /* the server's last reply line */
	char refusal[400];      /* its first 4xx or 5xx reply, or "" */
	char queue_id[128];     /* from "250 ... queued as ID" */
	struct smtp *smtp;      /* [email] client = kefu (then curl is
				   NULL): kefu's own, pipelined */
	struct strbuf bytes;    /* a batch's messages, composed */
	struct strbuf msg;      /* libcurl: the message being sent */
	size_t off;             /* how much of it libcurl has read */
	struct mail_cache *cache;       /* bodies a campaign's messages
					   share (mime.c) */
};

static size_t mail_kefu_many(struct mail *, const struct store_msg *,
    size_t, const struct store_attachment *, size_t, struct msg_result *,
    int);

/*
 * Keep the server's replies: the last line, and the queue id.  libcurl
 * hands SMTP reply lines to the header callback; CURLOPT_VERBOSE with a
 * debug callback would see them too, but makes libcurl format a trace of
 * every command and data chunk (it tripled the time of a send).
 */
static size_t
mail_reply(char *data, size_t one, size_t size, void *arg)
{
	struct mail *ml = arg;
	const char *q;
	size_t n;

	size *= one;
	n = size < sizeof ml->last - 1 ? size : sizeof ml->last - 1;
	memcpy(ml->last, data, n);
	while (n > 0 && (ml->last[n - 1] == '\n' || ml->last[n - 1] == '\r'))
		n--;
	ml->last[n] = '\0';
	if ((ml->last[0] == '4' || ml->last[0] == '5') &&
	    ml->refusal[0] == '\0')
		memcpy(ml->refusal, ml->last, n + 1);
	/* Postfix: "250 2.0.0 Ok: queued as 4Q1bXk0Yw3z8". */
	if (strncmp(ml->last, "250", 3) == 0 &&
	    (q = strstr(ml->last, "queued as ")) != NULL)
		snprintf(ml->queue_id, sizeof ml->queue_id, "%.*s",
		    (int)strcspn(q + 10, " \r\n"), q + 10);
	return size;
}

/*
 * The from address's domain d as the Message-ID, List-Unsubscribe's
 * unsubscribe@ and EHLO write it: in IDNA A-labels when international
 * (GLib's g_hostname_to_ascii), as those must be ASCII (malloc'd).
 */
static char *
mail_domain(const char *d)
{
	const char *p;
	char *ace, *s;

	for (p = d; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			break;
	if (*p == '\0' || (ace = g_hostname_to_ascii(d)) == NULL)
		return xstrdup(d);
	s = xstrdup(ace);
	g_free(ace);
	return s;
}

/* kefu's own SMTP client for [email] (smtp.c), not yet connected. */
static struct smtp *
mail_smtp_new(const struct conf *cfg, const char *domain)
{
	struct smtp_opts o = { 0 };

	o.url = cfg->email_url;
	o.helo = domain;
	o.starttls = cfg->email_starttls;
	o.tls_verify = cfg->email_tls_verify;
	o.user = cfg->email_user;
	o.password = cfg->email_password;
	o.timeout_ms = cfg->email_timeout_ms;
	return smtp_new(&o);
}

static int
mail_open(const struct msg_env *env, void **state, char **cause)
{
	const struct conf *cfg = env->cfg;
	const char *path = cfg->path ? cfg->path : "kefu.conf";
	struct mail *ml;
	const char *at;
	long tls;

	*state = NULL;
	if (cfg->email_from == NULL)
		return kf_error(cause, "%s: [email] has no 'from' address; "
		    "e-mail cannot be sent", path);
	if ((at = strrchr(cfg->email_from, '@')) == NULL || at[1] == '\0')
		return kf_error(cause, "%s:%d: [email] from '%s' is not an "
		    "address (name@domain)", path, conf_line(cfg, cfg, "from"),
		    cfg->email_from);
	ml = xcalloc(1, sizeof *ml);
	ml->cfg = cfg;
	ml->domain = mail_domain(at + 1);
	ml->cache = mail_cache_new();
	if (strcmp(cfg->email_client, "libcurl") != 0) {
		ml->smtp = mail_smtp_new(cfg, ml->domain);
		*state = ml;
		return 0;
	}
	if ((ml->curl = curl_easy_init()) == NULL) {
		mail_cache_free(ml->cache);
		free(ml->domain);
		free(ml);
		return kf_error(cause, "e-mail: libcurl could not start");
	}
	tls = strcmp(cfg->email_starttls, "yes") == 0 ? (long)CURLUSESSL_ALL :
	    strcmp(cfg->email_starttls, "try") == 0 ? (long)CURLUSESSL_TRY :
	    (long)CURLUSESSL_NONE;
	curl_easy_setopt(ml->curl, CURLOPT_URL, cfg->email_url);
	curl_easy_setopt(ml->curl, CURLOPT_MAIL_FROM, cfg->email_from);
	curl_easy_setopt(ml->curl, CURLOPT_USE_SSL, tls);
	curl_easy_setopt(ml->curl, CURLOPT_SSL_VERIFYPEER,
	    (long)cfg->email_tls_verify);
	curl_easy_setopt(ml->curl, CURLOPT_SSL_VERIFYHOST,
	    cfg->email_tls_verify ? 2L : 0L);
	if (cfg->email_user != NULL) {
		curl_easy_setopt(ml->curl, CURLOPT_USERNAME, cfg->email_user);
		curl_easy_setopt(ml->curl, CURLOPT_PASSWORD,
		    cfg->email_password ? cfg->email_password : "");
	}
	curl_easy_setopt(ml->curl, CURLOPT_TIMEOUT_MS,
	    (long)cfg->email_timeout_ms);
	curl_easy_setopt(ml->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(ml->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(ml->curl, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	/* The server's replies (never our AUTH line). */
	curl_easy_setopt(ml->curl, CURLOPT_HEADERFUNCTION, mail_reply);
	curl_easy_setopt(ml->curl, CURLOPT_HEADERDATA, ml);
	*state = ml;
	return 0;
}

static void
mail_close(void *state)
{
	struct mail *ml = state;

	if (ml == NULL)
		return;
	smtp_free(ml->smtp);
	sb_free(&ml->bytes);
	curl_easy_cleanup(ml->curl);
	sb_free(&ml->msg);
	mail_cache_free(ml->cache);
	free(ml->domain);
	free(ml);
}

/* The message's bytes to libcurl, as it asks for them. */
static size_t
mail_read(char *buf, size_t one, size_t size, void *arg)
{
	struct mail *ml = arg;
	size_t n = one * size;

	if (n > ml->msg.len - ml->off)
		n = ml->msg.len - ml->off;
	memcpy(buf, ml->msg.s + ml->off, n);
	ml->off += n;
	return n;
}

/* Sort curl's verdict into retry later or give up. */
static void
mail_verdict(struct mail *ml, CURLcode rc, struct msg_result *r)
{
	long code = 0;

	curl_easy_getinfo(ml->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		r->outcome = MSG_SENT;
		snprintf(r->remote_id, sizeof r->remote_id, "%s", ml->queue_id);
		snprintf(r->detail, sizeof r->detail, "%s", ml->last);
		return;
	}
	if (rc == CURLE_LOGIN_DENIED) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;
		snprintf(r->detail, sizeof r->detail, "the SMTP server refused "
		    "the [email] user and password (%.300s)", ml->refusal);
		return;
	}
	r->outcome = code >= 500 && code < 600 ? MSG_PERMFAIL : MSG_TEMPFAIL;
	r->down = code == 0 || code == 421;
	if (ml->refusal[0] != '\0')
		snprintf(r->detail, sizeof r->detail, "%s", ml->refusal);
	else
		snprintf(r->detail, sizeof r->detail, "%s: %s",
		    ml->cfg->email_url, curl_easy_strerror(rc));
}

static int
mail_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	struct mail *ml = state;
	struct curl_slist *rcpt = NULL;
	char *cause = NULL;
	CURLcode rc;

	memset(r, 0, sizeof *r);
	if (ml->smtp != NULL)
		return mail_kefu_many(ml, m, 1, att, natt, r, 1) > 0 ? -1 : 0;
	sb_reset(&ml->msg);
	ml->off = 0;
	if (mail_compose_cached(ml->cache, ml->cfg, ml->domain, m, att, natt,
	    &ml->msg, &cause) == -1) {
		r->outcome = MSG_PERMFAIL;
		snprintf(r->detail, sizeof r->detail, "%s", cause);
		free(cause);
		return -1;
	}
	rcpt = curl_slist_append(rcpt, m->recipient);
	ml->last[0] = '\0';
	ml->refusal[0] = '\0';
	ml->queue_id[0] = '\0';
	curl_easy_setopt(ml->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(ml->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(ml->curl, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(ml->curl, CURLOPT_READDATA, ml);
	curl_easy_setopt(ml->curl, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)ml->msg.len);
	rc = curl_easy_perform(ml->curl);
	mail_verdict(ml, rc, r);
	curl_easy_setopt(ml->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	return 0;
}

/* m's attachments: those of att (in message order) from *k on. */
static const struct store_attachment *
mail_atts(const struct store_msg *m, const struct store_attachment *att,
    size_t natt, size_t *k, size_t *n)
{
	size_t first;

	while (*k < natt && att[*k].outbox_id < m->id)
		(*k)++;
	for (first = *k; *k < natt && att[*k].outbox_id == m->id; (*k)++)
		;
	*n = *k - first;
	return att + first;
}

/* What the SMTP client's reply to one message means for the outbox. */
static void
mail_kefu_result(const struct smtp_txn *t, struct msg_result *r)
{
	snprintf(r->detail, sizeof r->detail, "%s", t->reply);
	if (t->code / 100 == 2) {
		r->outcome = MSG_SENT;
		snprintf(r->remote_id, sizeof r->remote_id, "%s",
		    t->queue_id);
	} else if (t->unknown) {
		/* the whole message went, its answer was lost */
		r->outcome = MSG_UNKNOWN;
		r->down = 1;
	} else if (t->down) {
		r->outcome = MSG_TEMPFAIL;
		r->down = 1;
	} else
		r->outcome = t->code / 100 == 5 ? MSG_PERMFAIL :
		    MSG_TEMPFAIL;
}

/*
 * Composed messages held at once: a batch of pictures or PDFs is sent in
 * parts of about this many bytes (one more wait for the server a part).
 */
#define MAIL_PART_BYTES (4u << 20)
/*
 * The buffer of a batch's messages is kept for the next batch up to this
 * size (growing it again each batch cost a tenth of the send).
 */
#define MAIL_KEEP_BYTES (1u << 20)

/*
 * The messages m from the first, composed (mail_compose_cached) until
 * MAIL_PART_BYTES or n, and sent on kefu's own connection, pipelined when
 * the server offers it; r[i] for m[i].  A message that cannot be
 * composed (an attachment gone) fails for good and the others go.
 * own as for mail_kefu_many.  Returns how many of m it took; *k walks
 * att; *bad counts the messages not composed; *down is set when the
 * server was found down.
 */
static size_t
mail_kefu_part(struct mail *ml, const struct store_msg *m, size_t n,
    const struct store_attachment *att, size_t natt, size_t *k,
    struct msg_result *r, int own, size_t *bad, int *down)
{
	struct smtp_txn *t = xcalloc(n ? n : 1, sizeof *t);
	size_t *at = xcalloc(n ? n : 1, sizeof *at);
	size_t *of = xcalloc(n ? n : 1, sizeof *of);
	size_t i, na, nt = 0;
	const struct store_attachment *a;
	char *cause = NULL;

	sb_reset(&ml->bytes);
	for (i = 0; i < n && (i == 0 || ml->bytes.len < MAIL_PART_BYTES);
	    i++) {
		memset(&r[i], 0, sizeof r[i]);
		if (own) {
			/* one message (send): att are all its own */
			a = att;
			na = natt;
		} else
			a = mail_atts(&m[i], att, natt, k, &na);
		at[i] = ml->bytes.len;
		if (mail_compose_cached(ml->cache, ml->cfg, ml->domain, &m[i],
		    a, na, &ml->bytes, &cause) == -1) {
			r[i].outcome = MSG_PERMFAIL;
			snprintf(r[i].detail, sizeof r[i].detail, "%s", cause);
			free(cause);
			cause = NULL;
			(*bad)++;
			continue;
		}
		t[nt].from = ml->cfg->email_from;
		t[nt].rcpt = m[i].recipient;
		t[nt].len = ml->bytes.len - at[i];
		of[nt++] = i;
	}
	n = i;
	/* the bytes moved while they grew: point into them now */
	for (i = 0; i < nt; i++)
		t[i].data = ml->bytes.s + at[of[i]];
	smtp_send_many(ml->smtp, t, nt);
	for (i = 0; i < nt; i++) {
		mail_kefu_result(&t[i], &r[of[i]]);
		*down |= r[of[i]].outcome != MSG_SENT && r[of[i]].down;
	}
	free(t);
	free(at);
	free(of);
	return n;
}

/*
 * The n messages m on kefu's own client, part after part; none after
 * the server was found down; own: m is one message and att all its own
 * (send), else att are the batch's, matched by outbox_id.  Returns how
 * many could not be composed.
 */
static size_t
mail_kefu_many(struct mail *ml, const struct store_msg *m, size_t n,
    const struct store_attachment *att, size_t natt, struct msg_result *r,
    int own)
{
	size_t i = 0, k = 0, bad = 0;
	int down = 0;

	while (i < n && !down)
		i += mail_kefu_part(ml, m + i, n - i, att, natt, &k, r + i,
		    own, &bad, &down);
	for (; i < n; i++) {
		memset(&r[i], 0, sizeof r[i]);
		r[i].outcome = MSG_TEMPFAIL;
		r[i].down = 1;
		snprintf(r[i].detail, sizeof r[i].detail, "not tried: the "
		    "SMTP server is down");
	}
	if (ml->bytes.cap > MAIL_KEEP_BYTES)
		sb_free(&ml->bytes);    /* a batch of PDFs is not kept */
	return bad;
}

/* The n messages of a batch at once (the worker's send_many). */
static void
mail_send_many(void *state, const struct store_msg *m, size_t n,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	struct mail *ml = state;
	const struct store_attachment *a;
	size_t i, k = 0, na;
	int down = 0;

	if (ml->smtp != NULL) {
		mail_kefu_many(ml, m, n, att, natt, r, 0);
		return;
	}
	/* libcurl: one by one, none after the server was found down */
	for (i = 0; i < n; i++) {
		a = mail_atts(&m[i], att, natt, &k, &na);
		if (down) {
			memset(&r[i], 0, sizeof r[i]);
			r[i].outcome = MSG_TEMPFAIL;
			r[i].down = 1;
			snprintf(r[i].detail, sizeof r[i].detail, "not tried: "
			    "the SMTP server is down");
			continue;
		}
		mail_send(ml, &m[i], a, na, &r[i]);
		down = r[i].outcome != MSG_SENT && r[i].down;
	}
}

const struct msg_transport_ops msg_mail_ops = {
	.name = "email",                /* for logs */
	.channel = "email",             /* outbox rows it sends */
	.open = mail_open,              /* one connection per worker */
	.send = mail_send,              /* one SMTP transaction */
	.close = mail_close,            /* QUIT and free */
	.ready = NULL,                  /* always: a dead MTA is a 4xx */
	.idle = NULL,                   /* nothing comes back: sleep */
	.send_many = mail_send_many,    /* a batch: kefu's client pipelines */
};
