/*
 * mime.c: an e-mail message as bytes (RFC 5322, MIME RFC 2045-2046),
 * composed with GMime: multipart/alternative text and HTML in
 * quoted-printable, multipart/related inline images by Content-ID (RFC
 * 2387, RFC 2392), attachments in base64, RFC 2047 encoded-words for
 * UTF-8 subjects and names, Message-ID, List-Unsubscribe (RFC 2369, RFC
 * 8058).  CRLF line ends, not dot-stuffed: the SMTP transport stuffs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

char *
mail_encode_words(const char *utf8)
{
	struct strbuf sb = { 0 };
	unsigned char out[4 * MAIL_WORD_BYTES / 3 + 4];
	const unsigned char *p = (const unsigned char *)utf8;
	size_t len = strlen(utf8), n;

	if (mail_is_plain(utf8) && strstr(utf8, "=?") == NULL)
		return xstrdup(utf8);
	while (len > 0) {
		n = len < MAIL_WORD_BYTES ? len : MAIL_WORD_BYTES;
		/* Never cut a character: back up over continuation bytes. */
		while (n < len && n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len < MAIL_WORD_BYTES ? len : MAIL_WORD_BYTES;
		EVP_EncodeBlock(out, p, (int)n);
		sb_addf(&sb, "%s=?UTF-8?B?%s?=", sb.len ? "\r\n " : "",
		    (const char *)out);
		p += n;
		len -= n;
	}
	return sb_steal(&sb);
}

char *
mail_mailbox(const char *name, const char *addr)
{
	struct strbuf sb = { 0 };
	char *w;
	const char *p;

	if (name == NULL || *name == '\0')
		return xstrdup(addr);
	if (!mail_is_plain(name)) {
		w = mail_encode_words(name);
		sb_addf(&sb, "%s <%s>", w, addr);
		free(w);
		return sb_steal(&sb);
	}
	sb_addc(&sb, '"');
	for (p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addc(&sb, '\\');
		sb_addc(&sb, *p);
	}
	sb_addf(&sb, "\" <%s>", addr);
	return sb_steal(&sb);
}

/* RFC 5322 date in English whatever the locale. */
static void
mail_date(char *out, size_t size)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = time(NULL);
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

/* Marketing says how to leave: mailto, and one-click by https. */
static void
mail_unsubscribe(GMimeMessage *msg, const struct conf *cfg,
    const char *domain, const struct store_msg *m)
{
	char *unsub, *url = NULL, *v;

	unsub = cfg->email_unsubscribe ? xstrdup(cfg->email_unsubscribe) :
	    xasprintf("unsubscribe@%s", domain);
	if (cfg->email_unsubscribe_url != NULL &&
	    str_prefix(cfg->email_unsubscribe_url, "https://"))
		url = mail_unsub_url(cfg->email_unsubscribe_url, m->id);
	v = xasprintf("<mailto:%s?subject=unsubscribe%%20%lld>%s%s%s", unsub,
	    (long long)m->id, url ? ",\r\n <" : "", url ? url : "",
	    url ? ">" : "");
	mail_raw(msg, "List-Unsubscribe", v);
	if (url != NULL)
		g_mime_object_set_header(GMIME_OBJECT(msg),
		    "List-Unsubscribe-Post", "List-Unsubscribe=One-Click",
		    NULL);
	free(v);
	free(url);
	free(unsub);
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

	mail_date(date, sizeof date);
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
