/*
 * http.c: the HTTP SMS gateway transport -- a provider's web API described
 * by a template in kefu.conf ([sms-gateway NAME]: URL, method, a form or
 * JSON body with placeholders, headers, a success pattern and a message-id
 * pattern), sent through libcurl with one reused connection per worker.
 * Placeholders are escaped for where they stand: RFC 3986 percent-encoding
 * (UTF-8 octets) in the URL and a form body, RFC 8259 string escapes in a
 * JSON body.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

#define HTTP_ANSWER_MAX 65536   /* of a provider's answer, kept for patterns */

/* A worker's gateway state. */
struct http_gw {
	CURL *curl;                     /* reused: keeps the connection */
	const struct conf_smsgw *g;     /* the [sms-gateway] served */
	struct curl_slist *headers;     /* Content-Type and headers = */
	regex_t success;                /* valid when g->success */
	regex_t msgid;                  /* valid when g->message_id */
	struct strbuf answer;           /* the last answer's body */
};

/* Append v escaped as esc wants. */
static void
http_escape(struct strbuf *sb, const char *v, enum http_esc esc)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (esc == HTTP_ESC_JSON) {
			if (*p == '"' || *p == '\\')
				sb_addf(sb, "\\%c", *p);
			else if (*p == '\n')
				sb_adds(sb, "\\n");
			else if (*p == '\r')
				sb_adds(sb, "\\r");
			else if (*p == '\t')
				sb_adds(sb, "\\t");
			else if (*p < 0x20)
				sb_addf(sb, "\\u%04x", *p);
			else
				sb_addc(sb, (char)*p);   /* UTF-8 as itself */
		} else if (esc == HTTP_ESC_NONE || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			sb_addc(sb, (char)*p);
		else {
			sb_addc(sb, '%');
			sb_addc(sb, hex[*p >> 4]);
			sb_addc(sb, hex[*p & 15]);
		}
	}
}

/* The value of placeholder name (len bytes) for m, or NULL: not one. */
static const char *
http_value(const char *name, size_t len, const struct store_msg *m,
    const char *from, char id[24])
{
	snprintf(id, 24, "%lld", (long long)m->id);
	if (len == 2 && strncmp(name, "to", 2) == 0)
		return m->recipient;
	if (len == 4 && strncmp(name, "text", 4) == 0)
		return m->body;
	if (len == 2 && strncmp(name, "id", 2) == 0)
		return id;
	if (len == 4 && strncmp(name, "from", 4) == 0)
		return from ? from : "";
	if (len == 3 && strncmp(name, "key", 3) == 0)
		return m->idem_key ? m->idem_key : "";
	if (len == 4 && strncmp(name, "name", 4) == 0)
		return m->recipient_name ? m->recipient_name : "";
	return NULL;
}

char *
http_template(const char *tpl, const struct store_msg *m, const char *from,
    enum http_esc esc)
{
	struct strbuf sb = { 0 };
	const char *p, *close, *v;
	char id[24];

	sb_adds(&sb, "");
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
		    (v = http_value(p + 1, (size_t)(close - p - 1), m, from,
		    id)) != NULL) {
			http_escape(&sb, v, esc);
			p = close;
		} else
			sb_addc(&sb, *p);
	}
	return sb_steal(&sb);
}

static size_t
http_collect(char *data, size_t size, size_t n, void *arg)
{
	struct strbuf *sb = arg;

	if (sb->len < HTTP_ANSWER_MAX)
		sb_add(sb, data, size * n < HTTP_ANSWER_MAX - sb->len ?
		    size * n : HTTP_ANSWER_MAX - sb->len);
	return size * n;
}

/* The headers sent: the body's Content-Type, then the configured ones. */
static struct curl_slist *
http_headers(const struct conf_smsgw *g)
{
	struct curl_slist *h = NULL;
	char *copy, *p, *bar;

	if (strcmp(g->body_type, "form") == 0)
		h = curl_slist_append(h,
		    "Content-Type: application/x-www-form-urlencoded");
	else if (strcmp(g->body_type, "json") == 0)
		h = curl_slist_append(h,
		    "Content-Type: application/json; charset=utf-8");
	h = curl_slist_append(h, "Expect:");
	if (g->headers == NULL)
		return h;
	copy = xstrdup(g->headers);
	for (p = copy; p != NULL; p = bar) {
		if ((bar = strchr(p, '|')) != NULL)
			*bar++ = '\0';
		if (*str_trim(p) != '\0')
			h = curl_slist_append(h, str_trim(p));
	}
	free(copy);
	return h;
}

static void
http_close(void *state)
{
	struct http_gw *gw = state;

	if (gw == NULL)
		return;
	if (gw->curl != NULL)
		curl_easy_cleanup(gw->curl);
	curl_slist_free_all(gw->headers);
	if (gw->g->success != NULL)
		regfree(&gw->success);
	if (gw->g->message_id != NULL)
		regfree(&gw->msgid);
	sb_free(&gw->answer);
	free(gw);
}

const struct conf_smsgw *
http_gateway(const struct conf *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nsmsgw; i++)
		if (name == NULL || strcmp(cfg->smsgw[i].name, name) == 0)
			return &cfg->smsgw[i];
	return NULL;
}

static int
http_open(const struct msg_env *env, void **state, char **cause)
{
	const struct conf *cfg = env->cfg;
	const struct conf_smsgw *g;
	struct http_gw *gw;

	*state = NULL;
	if ((g = http_gateway(cfg, env->instance)) == NULL)
		return kf_error(cause, "sms-gateway: %s has no [sms-gateway "
		    "%s] section", cfg->path, env->instance != NULL ?
		    env->instance : "NAME");
	gw = xcalloc(1, sizeof *gw);
	gw->g = g;
	/* conf_load compiled both patterns already: these cannot fail. */
	if (g->success != NULL)
		regcomp(&gw->success, g->success, REG_EXTENDED | REG_NOSUB);
	if (g->message_id != NULL)
		regcomp(&gw->msgid, g->message_id, REG_EXTENDED);
	if ((gw->curl = curl_easy_init()) == NULL) {
		http_close(gw);
		return kf_error(cause, "sms-gateway %s: libcurl could not "
		    "start", g->name);
	}
	gw->headers = http_headers(g);
	curl_easy_setopt(gw->curl, CURLOPT_HTTPHEADER, gw->headers);
	curl_easy_setopt(gw->curl, CURLOPT_TIMEOUT_MS, (long)g->timeout_ms);
	curl_easy_setopt(gw->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(gw->curl, CURLOPT_WRITEFUNCTION, http_collect);
	curl_easy_setopt(gw->curl, CURLOPT_WRITEDATA, &gw->answer);
	curl_easy_setopt(gw->curl, CURLOPT_USERAGENT, "kefu/" PACKAGE_VERSION);
	*state = gw;
	return 0;
}

/* The provider's message id from the answer (first group), or "". */
static void
http_msgid(struct http_gw *gw, const char *body, struct msg_result *r)
{
	regmatch_t mt[2];
	size_t n;

	if (gw->g->message_id == NULL || regexec(&gw->msgid, body, 2, mt,
	    0) != 0 || mt[1].rm_so < 0)
		return;
	n = (size_t)(mt[1].rm_eo - mt[1].rm_so);
	if (n >= sizeof r->remote_id)
		n = sizeof r->remote_id - 1;
	memcpy(r->remote_id, body + mt[1].rm_so, n);
	r->remote_id[n] = '\0';
}

/* What an answer means: 2xx matching success is sent, see the man page. */
static void
http_verdict(struct http_gw *gw, CURLcode rc, long code,
    struct msg_result *r)
{
	const char *body = sb_str(&gw->answer);

	if (rc != CURLE_OK) {
		r->outcome = MSG_TEMPFAIL;
		r->down = rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST;
		snprintf(r->detail, sizeof r->detail, "sms-gateway %s: %s",
		    gw->g->name, curl_easy_strerror(rc));
	} else if (code >= 200 && code < 300 && (gw->g->success == NULL ||
	    regexec(&gw->success, body, 0, NULL, 0) == 0)) {
		r->outcome = MSG_SENT;
		http_msgid(gw, body, r);
		snprintf(r->detail, sizeof r->detail, "HTTP %ld", code);
	} else {
		r->outcome = code >= 400 && code < 500 && code != 408 &&
		    code != 429 ? MSG_PERMFAIL : MSG_TEMPFAIL;
		snprintf(r->detail, sizeof r->detail, "sms-gateway %s: HTTP "
		    "%ld%s: %.300s", gw->g->name, code, code >= 200 &&
		    code < 300 ? ", answer does not match success" : "", body);
	}
}

static int
http_send(void *state, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct msg_result *r)
{
	struct http_gw *gw = state;
	const struct conf_smsgw *g = gw->g;
	char *url, *body = NULL;
	CURLcode rc;
	long code = 0;

	(void)att;
	(void)natt;
	url = http_template(g->url, m, g->from, HTTP_ESC_URL);
	if (strcmp(g->body_type, "none") != 0 && g->body != NULL)
		body = http_template(g->body, m, g->from,
		    strcmp(g->body_type, "json") == 0 ? HTTP_ESC_JSON :
		    HTTP_ESC_URL);
	sb_reset(&gw->answer);
	curl_easy_setopt(gw->curl, CURLOPT_URL, url);
	if (strcmp(g->method, "GET") == 0)
		curl_easy_setopt(gw->curl, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(gw->curl, CURLOPT_POSTFIELDSIZE,
		    (long)(body ? strlen(body) : 0));
		curl_easy_setopt(gw->curl, CURLOPT_COPYPOSTFIELDS,
		    body ? body : "");
	}
	rc = curl_easy_perform(gw->curl);
	curl_easy_getinfo(gw->curl, CURLINFO_RESPONSE_CODE, &code);
	http_verdict(gw, rc, code, r);
	free(url);
	free(body);
	return 0;
}

const struct msg_transport_ops msg_http_ops = {
	.name = "sms-gateway",          /* [sms-gateway NAME] */
	.channel = "sms",               /* serves outbox.channel 'sms' */
	.open = http_open,              /* first [sms-gateway]: curl handle */
	.send = http_send,              /* one request per message */
	.close = http_close,            /* the connection and the state */
	.ready = NULL,                  /* always: a dead gateway is a retry */
	.idle = NULL,                   /* nothing comes back: sleep */
};

void
msg_worker_opts_smsgw(const struct conf *cfg, const char *name,
    const char *instance, struct msg_worker_opts *o)
{
	const struct conf_smsgw *g = http_gateway(cfg, instance);

	memset(o, 0, sizeof *o);
	o->name = name;
	o->instance = instance;
	if (g == NULL)
		return;
	o->lease_ms = (unsigned)g->lease_ms;
	o->batch = (unsigned)g->batch;
	o->rate = (unsigned)g->rate;
	o->retry_ms = (unsigned)g->retry_ms;
	o->retry_max_ms = (unsigned)g->retry_max_ms;
}
