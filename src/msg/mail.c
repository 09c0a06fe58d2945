/*
 * mail.c: the e-mail transport -- SMTP (RFC 5321) with STARTTLS (RFC
 * 3207) and AUTH (RFC 4954) through libcurl, one easy handle and so one
 * reused connection per worker.  Each message is composed whole as bytes
 * by mail_compose (mime.c, GMime) and handed to libcurl by a read
 * callback; libcurl dot-stuffs it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

/* A worker's SMTP state. */
struct mail {
	CURL *curl;             /* reused: keeps the SMTP connection open */
	const struct conf *cfg;
	char *domain;           /* of the from address, for Message-ID */
	char last[400];         /* the server's last reply line */
	char refusal[400];      /* its first 4xx or 5xx reply, or "" */
	char queue_id[128];     /* from "250 ... queued as ID" */
	struct strbuf msg;      /* the message being sent, as bytes */
	size_t off;             /* how much of it libcurl has read */
};

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
	ml->domain = xstrdup(at + 1);
	if ((ml->curl = curl_easy_init()) == NULL) {
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
	curl_easy_cleanup(ml->curl);
	sb_free(&ml->msg);
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
	sb_reset(&ml->msg);
	ml->off = 0;
	if (mail_compose(ml->cfg, ml->domain, m, att, natt, &ml->msg,
	    &cause) == -1) {
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

const struct msg_transport_ops msg_mail_ops = {
	.name = "email",                /* for logs */
	.channel = "email",             /* outbox rows it sends */
	.open = mail_open,              /* one curl handle per worker */
	.send = mail_send,              /* one SMTP transaction */
	.close = mail_close,            /* QUIT and free */
	.ready = NULL,                  /* always: a dead MTA is a 4xx */
	.idle = NULL,                   /* nothing comes back: sleep */
};
