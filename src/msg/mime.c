/*
 * mime.c: an e-mail message as bytes (RFC 5322, MIME RFC 2045-2046),
 * composed with GMime: multipart/alternative text and HTML in
 * quoted-printable, multipart/related inline images by Content-ID (RFC
 * 2387, RFC 2392), attachments in base64, RFC 2047 encoded-words for
 * UTF-8 subjects and names, Message-ID, List-Unsubscribe (RFC 2369, RFC
 * 8058).  CRLF line ends, not dot-stuffed: the SMTP transport stuffs.
 * mail_compose_cached keeps a campaign's body and writes each message's
 * header fields around it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

/*
 * RFC 2047 B-encoding: 39 bytes of UTF-8 make 52 characters of base64, a
 * 64-character word that fits a 76-character line after "Subject: ".
 */
#define MAIL_WORD_BYTES 39

static int
mail_is_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* mail_encode_words appended to *sb. */
static void
mail_words(struct strbuf *sb, const char *utf8)
{
	unsigned char out[4 * MAIL_WORD_BYTES / 3 + 4];
	const unsigned char *p = (const unsigned char *)utf8;
	size_t len = strlen(utf8), n, start = sb->len;

	if (mail_is_plain(utf8) && strstr(utf8, "=?") == NULL) {
		sb_add(sb, utf8, len);
		return;
	}
	while (len > 0) {
		n = len < MAIL_WORD_BYTES ? len : MAIL_WORD_BYTES;
		/* Never cut a character: back up over continuation bytes. */
		while (n < len && n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len < MAIL_WORD_BYTES ? len : MAIL_WORD_BYTES;
		EVP_EncodeBlock(out, p, (int)n);
		if (sb->len > start)
			sb_add(sb, "\r\n ", 3);
		sb_add(sb, "=?UTF-8?B?", 10);
		sb_adds(sb, (const char *)out);
		sb_add(sb, "?=", 2);
		p += n;
		len -= n;
	}
}

char *
mail_encode_words(const char *utf8)
{
	struct strbuf sb = { 0 };

	mail_words(&sb, utf8);
	return sb_steal(&sb);
}

/*
 * addr appended to *sb with its domain in IDNA A-labels (xn--..., RFC
 * 5891) by GLib's g_hostname_to_ascii, as smtp.c writes it in the
 * envelope: a header field must be ASCII on a path without SMTPUTF8,
 * and A-labels are valid on every path.  A name before the @ beyond
 * ASCII stays as it is: such a message goes only by SMTPUTF8, where RFC
 * 6532 allows it.  So does a domain that is no valid international name.
 */
static void
mail_addr(struct strbuf *sb, const char *addr)
{
	const char *at = strrchr(addr, '@'), *p;
	char *ace;

	for (p = at; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			break;
	if (p == NULL || *p == '\0' ||
	    (ace = g_hostname_to_ascii(at + 1)) == NULL) {
		sb_adds(sb, addr);
		return;
	}
	sb_add(sb, addr, (size_t)(at + 1 - addr));
	sb_adds(sb, ace);
	g_free(ace);
}

/* mail_mailbox appended to *sb. */
static void
mail_box(struct strbuf *sb, const char *name, const char *addr)
{
	const char *p;

	if (name == NULL || *name == '\0') {
		mail_addr(sb, addr);
		return;
	}
	if (!mail_is_plain(name)) {
		mail_words(sb, name);
		sb_add(sb, " <", 2);
		mail_addr(sb, addr);
		sb_addc(sb, '>');
		return;
	}
	sb_addc(sb, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addc(sb, '\\');
		sb_addc(sb, *p);
	}
	sb_add(sb, "\" <", 3);
	mail_addr(sb, addr);
	sb_addc(sb, '>');
}

char *
mail_mailbox(const char *name, const char *addr)
{
	struct strbuf sb = { 0 };

	mail_box(&sb, name, addr);
	return sb_steal(&sb);
}

/* RFC 5322 date in English whatever the locale. */
static void
mail_date(char *out, size_t size, time_t t)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	char zone[8];

	localtime_r(&t, &tm);
	strftime(zone, sizeof zone, "%z", &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d %s",
	    day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

/*
 * g_mime_init is not thread-safe and must run before any other GMime
 * call: the first mail_compose runs it, once, under pthread_once, so the
 * outbox workers (threads of kefud, several per [email] connections) may
 * compose at once from the start.  GMime is never shut down: its tables
 * live as long as the process.
 */
static pthread_once_t mail_gmime_once = PTHREAD_ONCE_INIT;
static GMimeFormatOptions *mail_format;   /* CRLF line ends */

static void
mail_gmime_init(void)
{
	g_mime_init();
	mail_format = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(mail_format,
	    GMIME_NEWLINE_FORMAT_DOS);
}

/*
 * A text part in quoted-printable UTF-8: subtype "plain" or "html".  The
 * text is given as it is (g_mime_text_part_set_text would scan it for the
 * smallest charset: it is UTF-8 from the store).
 */
static GMimeObject *
mail_text(const char *subtype, const char *text)
{
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	GMimeStream *st;
	GMimeDataWrapper *w;

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part),
	    "charset", "UTF-8");
	st = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	w = g_mime_data_wrapper_new_with_stream(st,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(st);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_mime_part_set_content_encoding(part,
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* A file part in base64: inline under its Content-ID, or attached. */
static GMimeObject *
mail_file(const struct store_attachment *a, char **cause)
{
	GMimeContentType *ct;
	GMimeDataWrapper *w;
	GMimeStream *st;
	GMimePart *part;
	int fd;

	if ((fd = open(a->path, O_RDONLY | O_CLOEXEC)) == -1) {
		kf_error(cause, "attachment %s cannot be read: %s", a->path,
		    strerror(errno));
		return NULL;
	}
	st = g_mime_stream_fs_new(fd);
	ct = g_mime_content_type_parse(NULL, a->content_type);
	part = g_mime_part_new_with_type(g_mime_content_type_get_media_type(
	    ct), g_mime_content_type_get_media_subtype(ct));
	g_object_unref(ct);
	w = g_mime_data_wrapper_new_with_stream(st,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(st);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	if (a->inline_id != NULL) {
		g_mime_object_set_disposition(GMIME_OBJECT(part), "inline");
		g_mime_object_set_content_id(GMIME_OBJECT(part), a->inline_id);
	}
	g_mime_part_set_filename(part, a->filename);
	return GMIME_OBJECT(part);
}

/*
 * A multipart with a boundary of our own: g_mime_multipart_new_with_
 * subtype opens /dev/urandom for each one it makes.  "=_" is in neither
 * quoted-printable nor base64 text.
 */
static GMimeMultipart *
mail_multipart(const char *subtype, const char *tag, int n)
{
	GMimeMultipart *mp = g_object_new(GMIME_TYPE_MULTIPART, NULL);
	GMimeContentType *ct = g_mime_content_type_new("multipart", subtype);
	char b[64];

	g_mime_object_set_content_type(GMIME_OBJECT(mp), ct);
	g_object_unref(ct);
	snprintf(b, sizeof b, "=_kefu.%s.%d", tag, n);
	g_mime_multipart_set_boundary(mp, b);
	return mp;
}

/* Add child to parent, handing over the caller's reference. */
static void
mail_add(GMimeMultipart *parent, GMimeObject *child)
{
	g_mime_multipart_add(parent, child);
	g_object_unref(child);
}

/*
 * mixed [ related [ alternative [ text, html ], inline images... ],
 * attachments... ]: related only with HTML and an inline image,
 * alternative only with HTML (as the curl_mime build before it); the
 * boundaries from 9 random bytes rnd.
 */
static GMimeObject *
mail_body(const struct store_msg *m, const struct store_attachment *att,
    size_t natt, const unsigned char rnd[9], char **cause)
{
	GMimeMultipart *top, *rel = NULL, *alt;
	GMimeObject *f;
	char tag[20];
	size_t i, ninline = 0;

	EVP_EncodeBlock((unsigned char *)tag, rnd, 9);
	for (i = 0; tag[i] != '\0'; i++)
		if (tag[i] == '/' || tag[i] == '+')
			tag[i] = '.';
	top = mail_multipart("mixed", tag, 1);
	for (i = 0; i < natt; i++)
		ninline += att[i].inline_id != NULL;
	if (m->body_html != NULL && ninline > 0) {
		rel = mail_multipart("related", tag, 2);
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(rel),
		    "type", "multipart/alternative");
		mail_add(top, GMIME_OBJECT(rel));
	}
	if (m->body_html != NULL) {
		alt = mail_multipart("alternative", tag, 3);
		mail_add(alt, mail_text("plain", m->body));
		mail_add(alt, mail_text("html", m->body_html));
		mail_add(rel != NULL ? rel : top, GMIME_OBJECT(alt));
	} else
		mail_add(top, mail_text("plain", m->body));
	for (i = 0; i < natt; i++) {
		if ((f = mail_file(&att[i], cause)) == NULL) {
			g_object_unref(top);
			return NULL;
		}
		mail_add(att[i].inline_id != NULL && rel != NULL ? rel : top,
		    f);
	}
	return GMIME_OBJECT(top);
}

/* The one-click URL with its %s replaced by the message's id. */
static char *
mail_unsub_url(const char *tmpl, int64_t id)
{
	const char *p = strstr(tmpl, "%s");

	if (p == NULL)
		return xstrdup(tmpl);
	return xasprintf("%.*s%lld%s", (int)(p - tmpl), tmpl, (long long)id,
	    p + 2);
}

/* A header field set as it is written (already encoded and folded). */
static void
mail_raw(GMimeMessage *msg, const char *name, const char *raw)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h;
	char *folded;

	g_mime_object_set_header(GMIME_OBJECT(msg), name, "", NULL);
	h = g_mime_header_list_get_header(hl, name);
	folded = xasprintf(" %s\r\n", raw);
	g_mime_header_set_raw_value(h, folded);
	free(folded);
}

/*
 * How marketing says to leave: mailto, and one-click by https when
 * [email] unsubscribe-url is one (then *post is 1); the value as written,
 * folded (malloc'd).
 */
static char *
mail_unsub_value(const struct conf *cfg, const char *domain,
    const struct store_msg *m, int *post)
{
	struct strbuf sb = { 0 };
	char *unsub, *url = NULL, *v;

	if (cfg->email_unsubscribe != NULL)
		mail_addr(&sb, cfg->email_unsubscribe);
	else
		sb_addf(&sb, "unsubscribe@%s", domain);
	unsub = sb_steal(&sb);
	if (cfg->email_unsubscribe_url != NULL &&
	    str_prefix(cfg->email_unsubscribe_url, "https://"))
		url = mail_unsub_url(cfg->email_unsubscribe_url, m->id);
	v = xasprintf("<mailto:%s?subject=unsubscribe%%20%lld>%s%s%s", unsub,
	    (long long)m->id, url ? ",\r\n <" : "", url ? url : "",
	    url ? ">" : "");
	*post = url != NULL;
	free(url);
	free(unsub);
	return v;
}

/* Marketing says how to leave: mailto, and one-click by https. */
static void
mail_unsubscribe(GMimeMessage *msg, const struct conf *cfg,
    const char *domain, const struct store_msg *m)
{
	int post;
	char *v = mail_unsub_value(cfg, domain, m, &post);

	mail_raw(msg, "List-Unsubscribe", v);
	if (post)
		g_mime_object_set_header(GMIME_OBJECT(msg),
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click",
		    NULL);
	free(v);
}

/*
 * The header fields kefu writes itself.  Subject and mailboxes go through
 * mail_encode_words: GMime's encoder would write them too, but picks Q or
 * B per word and folds at 78; ours keeps 64-character B-words of whole
 * characters (t/unit/msg-mail checks both).
 */
static void
mail_headers(GMimeMessage *msg, const struct conf *cfg, const char *domain,
    const struct store_msg *m, const unsigned char rnd[6])
{
	char date[64], *s;

	mail_date(date, sizeof date, time(NULL));
	mail_raw(msg, "Date", date);
	s = mail_mailbox(cfg->email_from_name, cfg->email_from);
	mail_raw(msg, "From", s);
	free(s);
	s = mail_mailbox(m->recipient_name, m->recipient);
	mail_raw(msg, "To", s);
	free(s);
	s = mail_encode_words(m->subject ? m->subject : "");
	mail_raw(msg, "Subject", s);
	free(s);
	s = xasprintf("kefu.%lld.%d.%02x%02x%02x%02x%02x%02x@%s",
	    (long long)m->id, m->attempts, rnd[0], rnd[1], rnd[2], rnd[3],
	    rnd[4], rnd[5], domain);
	g_mime_message_set_message_id(msg, s);
	free(s);
	s = xasprintf("%lld", (long long)m->id);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Kefu-Outbox", s, NULL);
	free(s);
	if (strcmp(m->msg_class, "marketing") == 0)
		mail_unsubscribe(msg, cfg, domain, m);
}

int
mail_compose(const struct conf *cfg, const char *domain,
    const struct store_msg *m, const struct store_attachment *att,
    size_t natt, struct strbuf *out, char **cause)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GMimeStream *st;
	GByteArray *bytes;
	unsigned char rnd[15];

	pthread_once(&mail_gmime_once, mail_gmime_init);
	/* 6 bytes for the Message-ID, 9 for the boundaries: one call */
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 0, sizeof rnd);
	if ((body = mail_body(m, att, natt, rnd + 6, cause)) == NULL)
		return -1;
	msg = g_mime_message_new(FALSE);
	mail_headers(msg, cfg, domain, m, rnd);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	st = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), mail_format,
	    st) == -1) {
		g_object_unref(st);
		g_object_unref(msg);
		return kf_error(cause, "e-mail %lld: the message cannot be "
		    "written (an attachment unreadable?)", (long long)m->id);
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	sb_add(out, bytes->data, bytes->len);
	g_object_unref(st);
	g_object_unref(msg);
	return 0;
}

/*
 * The cache of bodies (mail_cache_new): a campaign's messages differ in
 * their header fields only -- Date, To, Message-ID, X-Kefu-Outbox,
 * List-Unsubscribe -- and share From, Subject and the whole MIME body.
 * An entry holds the Subject as written and the bytes GMime wrote from
 * MIME-Version to the end, under a key of everything they were made of:
 * the subject, text, HTML, and each attachment's
 * type, name, path, Content-ID and file (device, inode, size, time of
 * change, so that a file replaced or rewritten is read again).  Keys are
 * compared whole.  At most MAIL_CACHE_SLOTS entries and MAIL_CACHE_BYTES
 * of bodies, replaced in turn; a body larger than that is not kept.
 */
#define MAIL_CACHE_SLOTS 8
#define MAIL_CACHE_BYTES (16u << 20)

struct mail_cached {
	struct strbuf key;      /* what it was made of (mail_key); len 0:
				   the slot is empty */
	struct strbuf subject;  /* the Subject as written */
	struct strbuf body;     /* "MIME-Version: 1.0", the body's header
				   and body, CRLF */
};

struct mail_cache {
	struct mail_cached slot[MAIL_CACHE_SLOTS];
	unsigned next;          /* the slot replaced next */
	size_t bytes;           /* of the bodies kept */
	struct strbuf key;      /* this message's key (swapped into a slot
				   when it is kept) */
	time_t date_t;          /* the second date was written for */
	char date[64];
	unsigned char rnd[6 * 64];      /* Message-ID random parts, drawn
					   64 at a time (RAND_bytes takes a
					   lock each call) */
	size_t rnd_off;         /* used of rnd; sizeof rnd: none left */
};

struct mail_cache *
mail_cache_new(void)
{
	struct mail_cache *c = xcalloc(1, sizeof *c);

	c->rnd_off = sizeof c->rnd;
	return c;
}

static void
mail_cached_free(struct mail_cached *e)
{
	sb_free(&e->key);
	sb_free(&e->subject);
	sb_free(&e->body);
}

void
mail_cache_free(struct mail_cache *c)
{
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < MAIL_CACHE_SLOTS; i++)
		mail_cached_free(&c->slot[i]);
	sb_free(&c->key);
	free(c);
}

/* A string of the key: its length (SIZE_MAX for NULL), its bytes. */
static void
mail_key_str(struct strbuf *k, const char *s)
{
	size_t n = s != NULL ? strlen(s) : SIZE_MAX;

	sb_add(k, &n, sizeof n);
	if (s != NULL)
		sb_add(k, s, n);
}

/* m's key into c->key; -1 when an attachment cannot be looked at. */
static int
mail_key(struct mail_cache *c, const struct store_msg *m,
    const struct store_attachment *att, size_t natt)
{
	struct strbuf *k = &c->key;
	struct stat st;
	int64_t f[6];
	size_t i;

	sb_reset(k);
	mail_key_str(k, m->subject);
	mail_key_str(k, m->body);
	mail_key_str(k, m->body_html);
	for (i = 0; i < natt; i++) {
		if (stat(att[i].path, &st) == -1)
			return -1;
		mail_key_str(k, att[i].content_type);
		mail_key_str(k, att[i].filename);
		mail_key_str(k, att[i].path);
		mail_key_str(k, att[i].inline_id);
		f[0] = (int64_t)st.st_dev;
		f[1] = (int64_t)st.st_ino;
		f[2] = (int64_t)st.st_size;
		f[3] = (int64_t)st.st_ctim.tv_sec;
		f[4] = (int64_t)st.st_ctim.tv_nsec;
		f[5] = (int64_t)st.st_mtim.tv_nsec;
		sb_add(k, f, sizeof f);
	}
	return 0;
}

/* The entry under c->key, or NULL. */
static struct mail_cached *
mail_cache_find(struct mail_cache *c)
{
	struct mail_cached *e;
	unsigned i;

	for (i = 0; i < MAIL_CACHE_SLOTS; i++) {
		e = &c->slot[i];
		if (e->key.len == c->key.len && e->key.len > 0 &&
		    memcmp(e->key.s, c->key.s, c->key.len) == 0)
			return e;
	}
	return NULL;
}

/* Empty slot e (its buffers kept for the next body). */
static void
mail_cache_drop(struct mail_cache *c, struct mail_cached *e)
{
	c->bytes -= e->body.len;
	sb_reset(&e->key);
	sb_reset(&e->subject);
	sb_reset(&e->body);
}

/*
 * m's Subject and body written into a slot under c->key: the next in
 * turn, others emptied too while the bodies would pass MAIL_CACHE_BYTES
 * (a body larger than that is written and used once: its slot is left
 * empty by the next call).  NULL with *cause when it cannot be written.
 */
static struct mail_cached *
mail_cache_fill(struct mail_cache *c, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, char **cause)
{
	struct mail_cached *e = &c->slot[c->next];
	struct strbuf swap;
	GMimeObject *body;
	GMimeStream *st;
	GByteArray *bytes;
	unsigned char rnd[9];
	unsigned i;
	int rc;

	c->next = (c->next + 1) % MAIL_CACHE_SLOTS;
	mail_cache_drop(c, e);
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 0, sizeof rnd);
	if ((body = mail_body(m, att, natt, rnd, cause)) == NULL)
		return NULL;
	st = g_mime_stream_mem_new();
	rc = g_mime_object_write_to_stream(body, mail_format, st);
	g_object_unref(body);
	if (rc == -1) {
		g_object_unref(st);
		kf_error(cause, "e-mail %lld: the message cannot be written "
		    "(an attachment unreadable?)", (long long)m->id);
		return NULL;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
	for (i = 0; i < MAIL_CACHE_SLOTS &&
	    c->bytes + bytes->len > MAIL_CACHE_BYTES; i++)
		mail_cache_drop(c, &c->slot[i]);
	sb_add(&e->body, "MIME-Version: 1.0\r\n", 19);
	sb_add(&e->body, bytes->data, bytes->len);
	g_object_unref(st);
	mail_words(&e->subject, m->subject ? m->subject : "");
	swap = e->key;
	e->key = c->key;
	c->key = swap;
	c->bytes += e->body.len;
	if (c->bytes > MAIL_CACHE_BYTES) {
		/* too large to keep: used for this message only */
		sb_reset(&c->key);
		swap = e->key;
		e->key = c->key;
		c->key = swap;
	}
	return e;
}

/* "Name: value" and CRLF. */
static void
mail_field(struct strbuf *out, const char *name, const char *value)
{
	sb_adds(out, name);
	sb_add(out, ": ", 2);
	sb_adds(out, value);
	sb_add(out, "\r\n", 2);
}

/*
 * The header fields of m as mail_headers has GMime write them, in its
 * order, From and Subject from e.
 */
static void
mail_cached_head(struct mail_cache *c, const struct conf *cfg,
    const char *domain, const struct store_msg *m,
    const struct mail_cached *e, struct strbuf *out)
{
	const unsigned char *rnd;
	time_t now = time(NULL);
	char *v;
	int post;

	if (c->rnd_off == sizeof c->rnd) {
		if (RAND_bytes(c->rnd, sizeof c->rnd) != 1)
			memset(c->rnd, 0, sizeof c->rnd);
		c->rnd_off = 0;
	}
	rnd = c->rnd + c->rnd_off;
	c->rnd_off += 6;
	if (now != c->date_t || c->date[0] == '\0') {
		mail_date(c->date, sizeof c->date, now);
		c->date_t = now;
	}
	mail_field(out, "Date", c->date);
	sb_add(out, "From: ", 6);
	mail_box(out, cfg->email_from_name, cfg->email_from);
	sb_add(out, "\r\nTo: ", 6);
	mail_box(out, m->recipient_name, m->recipient);
	sb_add(out, "\r\nSubject: ", 11);
	sb_add(out, e->subject.s, e->subject.len);
	sb_addf(out, "\r\nMessage-Id: <kefu.%lld.%d.%02x%02x%02x%02x%02x%02x"
	    "@%s>\r\nX-Kefu-Outbox: %lld\r\n", (long long)m->id, m->attempts,
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], domain,
	    (long long)m->id);
	if (strcmp(m->msg_class, "marketing") != 0)
		return;
	v = mail_unsub_value(cfg, domain, m, &post);
	mail_field(out, "List-Unsubscribe", v);
	free(v);
	if (post)
		mail_field(out, "List-Unsubscribe-Post",
		    "List-Unsubscribe=One-Click");
}

int
mail_compose_cached(struct mail_cache *c, const struct conf *cfg,
    const char *domain, const struct store_msg *m,
    const struct store_attachment *att, size_t natt, struct strbuf *out,
    char **cause)
{
	struct mail_cached *e;

	if (c == NULL || mail_key(c, m, att, natt) == -1)
		return mail_compose(cfg, domain, m, att, natt, out, cause);
	pthread_once(&mail_gmime_once, mail_gmime_init);
	if ((e = mail_cache_find(c)) == NULL &&
	    (e = mail_cache_fill(c, m, att, natt, cause)) == NULL)
		return -1;
	mail_cached_head(c, cfg, domain, m, e, out);
	sb_add(out, e->body.s, e->body.len);
	return 0;
}
