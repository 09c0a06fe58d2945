/*
 * msg-mime.c: mail_compose's bytes, checked as bytes (CRLF only, line
 * lengths, ASCII, each boundary opened and closed, not dot-stuffed) and
 * parsed back with Python's email package (t/mail-parse.py): the RFC
 * 2047 subject and names, the multipart shape, the inline image under
 * the Content-ID the HTML names, an attachment's bytes whole; and a
 * missing attachment refused with its name; international domains in
 * From: and To: as A-labels.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/png-1x1.h"

static char *srcdir, *dir, *parsed;

static const char subject[] = "本周特价：鸡蛋 5.99 元/斤，牛奶买一送一，"
    "会员积分翻倍 🥚🥛";

static struct conf *
make_conf(void)
{
	struct conf *conf;
	char *cause = NULL;

	if (conf_parse("/tmp/kefu-mime-test.conf", "[email]\n"
	    "url = smtp://127.0.0.1:25\nfrom = shop@kefu.test\n"
	    "from-name = 好又多超市 (北京店)\n"
	    "unsubscribe-url = https://shop.kefu.test/unsub/%s\n",
	    &conf, &cause) == -1) {
		tap_diag("%s", cause);
		free(cause);
		return NULL;
	}
	return conf;
}

/* A file of n bytes in dir; its path (malloc'd). */
static char *
put(const char *name, const void *p, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(p, 1, n, fp) != n)
		tap_diag("cannot write %s", path);
	if (fp != NULL)
		fclose(fp);
	return path;
}

/* 0 when every CR is followed by LF and every LF follows a CR. */
static int
bare_ends(const char *s, size_t n)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n'))
			bad++;
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			bad++;
	}
	return (int)bad;
}

/* The longest line in octets, CRLF not counted. */
static size_t
longest(const char *s, size_t n)
{
	size_t i, len, start = 0, max = 0;

	for (i = 0; i < n; i++)
		if (s[i] == '\n') {
			len = i - start - (i > start && s[i - 1] == '\r');
			if (len > max)
				max = len;
			start = i + 1;
		}
	return n - start > max ? n - start : max;
}

/* Bytes outside printable ASCII, CR, LF and tab. */
static int
eight_bit(const char *s, size_t n)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\r' &&
		    s[i] != '\n' && s[i] != '\t') || (unsigned char)s[i] > 0x7e)
			bad++;
	return bad;
}

/* Occurrences of needle in s. */
static int
count(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

/*
 * Each boundary="B" of s opens at least one part ("--B" on a line of its
 * own) and closes once ("--B--"), and nothing but the preamble comes
 * before the first: the number of boundaries, -1 when one is broken.
 */
static int
boundaries(const char *s)
{
	const char *p = s, *q;
	char *b, *open, *close;
	int n = 0, okay = 1;

	while ((p = strstr(p, "boundary=\"")) != NULL) {
		p += 10;
		q = strchr(p, '"');
		b = xasprintf("%.*s", (int)(q - p), p);
		open = xasprintf("\r\n--%s\r\n", b);
		close = xasprintf("\r\n--%s--\r\n", b);
		if (count(s, open) < 1 || count(s, close) != 1) {
			tap_diag("boundary %s: %d open, %d close", b,
			    count(s, open), count(s, close));
			okay = 0;
		}
		free(b);
		free(open);
		free(close);
		n++;
	}
	return okay ? n : -1;
}

/* Parse dir/new's messages with t/mail-parse.py into parsed. */
static void
parse(void)
{
	struct strbuf sb = { 0 };
	char *cmd, buf[4096];
	FILE *fp;
	size_t n;

	free(parsed);
	cmd = xasprintf("python3 '%s/t/mail-parse.py' '%s' kefu.test", srcdir,
	    dir);
	if ((fp = popen(cmd, "r")) != NULL) {
		while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
			sb_add(&sb, buf, n);
		if (pclose(fp) != 0)
			tap_diag("%s failed", cmd);
	}
	free(cmd);
	sb_addc(&sb, '\0');
	parsed = sb_steal(&sb);
}

/* The value of "ID key value" (static buffer; "" when absent). */
static const char *
fact(int64_t id, const char *key)
{
	static char val[4096];
	char *pre = xasprintf("\n%lld %s ", (long long)id, key);
	char *full = xasprintf("\n%s", parsed);
	const char *p = strstr(full, pre);

	val[0] = '\0';
	if (p != NULL) {
		p += strlen(pre);
		snprintf(val, sizeof val, "%.*s", (int)strcspn(p, "\n"), p);
	}
	free(pre);
	free(full);
	return val;
}

/* The special: text, HTML, an inline logo and a price list attached. */
static void
test_special(const struct conf *conf)
{
	struct store_msg m = { .id = 41,
	    .recipient = (char *)"wang@kefu.test",
	    .recipient_name = (char *)"王芳", .subject = (char *)subject,
	    .msg_class = (char *)"marketing", .attempts = 1 };
	struct store_attachment att[2] = {
		{ .content_type = "image/png", .filename = "logo.png",
		    .inline_id = "logo@kefu.test" },
		{ .content_type = "application/pdf",
		    .filename = "价目表 price list.pdf" },
	};
	struct strbuf out = { 0 }, text = { 0 };
	unsigned char blob[3000];
	char *cause = NULL, *s, *logo, *pdf;
	size_t i, head;
	const char *sep;

	for (i = 0; i < sizeof blob; i++)
		blob[i] = (unsigned char)(i * 7 + i / 256);
	att[0].path = logo = put("logo.png", png_1x1, sizeof png_1x1);
	att[1].path = pdf = put("prices.pdf", blob, sizeof blob);
	/* A line of dots, one of 3,000 characters, and one that is a lone
	 * dot: the transport stuffs them, not the composer. */
	sb_adds(&text, "本周特价：鸡蛋 5.99 元/斤。\n.\n..dots\n");
	for (i = 0; i < 1000; i++)
		sb_adds(&text, "特");
	sb_adds(&text, "\n退订请回复 TD。");
	m.body = (char *)sb_str(&text);
	m.body_html = (char *)"<p>本周特价</p><img src=\"cid:logo@kefu.test\" "
	    "alt=\"logo\">";
	sb_adds(&out, "KEEP");
	ok(mail_compose(conf, "kefu.test", &m, att, 2, &out, &cause) == 0,
	    "the special is composed (%s)", cause ? cause : "");
	ok(strncmp(sb_str(&out), "KEEP", 4) == 0 && out.len > 4000,
	    "appended to what the buffer held (%zu bytes)", out.len);
	s = out.s + 4;
	is_int(bare_ends(s, out.len - 4), 0, "CRLF line ends only: no bare "
	    "LF or CR");
	ok(longest(s, out.len - 4) <= 78, "no line longer than 78 octets "
	    "(%zu)", longest(s, out.len - 4));
	is_int(eight_bit(s, out.len - 4), 0, "7-bit ASCII throughout");
	sep = strstr(s, "\r\n\r\n");
	head = sep ? (size_t)(sep - s) : 0;
	ok(head > 0 && strncmp(s, "Date: ", 6) == 0 &&
	    count(s, "\r\nSubject: =?UTF-8?B?") == 1 &&
	    (size_t)(strstr(s, "\r\nSubject: ") - s) < head,
	    "the header first, from Date, its Subject encoded");
	like(s, "\r\nMIME-Version: 1.0\r\n", "MIME-Version");
	like(s, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
	    "List-Unsubscribe-Post");
	is_int(boundaries(s), 3, "three multiparts, each boundary opened "
	    "and closed once");
	ok(strstr(s, "\r\n.\r\n") != NULL || strstr(s, "\r\n=2E") != NULL,
	    "a lone dot is left as it is (not stuffed to \"..\")");
	is_int(count(s, "\r\n..\r\n"), 0, "and never doubled");

	free(put("new/41", out.s + 4, out.len - 4));
	parse();
	is_str(fact(41, "defects"), "0", "Python's parser finds no defect");
	is_str(fact(41, "subject"), subject, "the Chinese subject with "
	    "emoji round-trips through RFC 2047");
	is_str(fact(41, "raw-subject-encoded"), "yes", "as encoded-words");
	is_str(fact(41, "to-name"), "王芳", "the recipient's name decodes");
	is_str(fact(41, "from-name"), "好又多超市 (北京店)",
	    "the store's name decodes");
	is_str(fact(41, "shape"), "multipart/mixed(multipart/related("
	    "multipart/alternative(text/plain,text/html),image/png),"
	    "application/pdf)", "alternative in related, the PDF attached");
	like(fact(41, "html"), "src=\"cid:logo@kefu.test\"",
	    "the HTML names the image by cid");
	is_str(fact(41, "image"), "image/png 70 bytes cid "
	    "<logo@kefu.test> disposition inline",
	    "the image is inline, whole, under that Content-ID");
	s = xasprintf("application/pdf %zu bytes name 价目表 price list.pdf "
	    "disposition attachment", sizeof blob);
	is_str(fact(41, "attachment"), s, "the PDF is attached whole, named "
	    "in UTF-8");
	free(s);
	like(fact(41, "text"), "。 . ..dots 特特特", "the text part decodes, "
	    "dots as they were");
	ok(strncmp(fact(41, "message-id"), "<kefu.41.1.", 11) == 0 &&
	    strstr(fact(41, "message-id"), "@kefu.test>") != NULL,
	    "a Message-ID of the domain given (%s)", fact(41, "message-id"));
	is_str(fact(41, "list-unsubscribe"), "<mailto:unsubscribe@kefu.test"
	    "?subject=unsubscribe%2041>, <https://shop.kefu.test/unsub/41>",
	    "List-Unsubscribe: mailto and one-click");
	free(logo);
	free(pdf);
	sb_free(&text);
	sb_free(&out);
}

/* A notice: text only, ASCII name with quotes, no List-Unsubscribe. */
static void
test_notice(const struct conf *conf)
{
	struct store_msg m = { .id = 42, .recipient = (char *)"li@kefu.test",
	    .recipient_name = (char *)"Li \"Lei\"",
	    .subject = (char *)"Order 0001 confirmed",
	    .body = (char *)"Your order 0001 arrives at 14:00-16:00.",
	    .msg_class = (char *)"transactional", .attempts = 2 };
	struct strbuf out = { 0 };
	char *cause = NULL;

	ok(mail_compose(conf, "kefu.test", &m, NULL, 0, &out, &cause) == 0,
	    "the notice is composed");
	is_int(bare_ends(out.s, out.len), 0, "CRLF only");
	like(sb_str(&out), "\r\nSubject: Order 0001 confirmed\r\n",
	    "an ASCII subject as it is");
	is_int(count(sb_str(&out), "List-Unsubscribe"), 0,
	    "a transactional notice has no List-Unsubscribe");
	free(put("new/42", out.s, out.len));
	parse();
	is_str(fact(42, "to-name"), "Li \"Lei\"", "quotes in a name survive");
	is_str(fact(42, "shape"), "multipart/mixed(text/plain)",
	    "text only");
	ok(strncmp(fact(42, "message-id"), "<kefu.42.2.", 11) == 0,
	    "the Message-ID counts the attempt (%s)", fact(42, "message-id"));
	sb_free(&out);
}

/*
 * The boundary tag of message s: 12 characters (9 random bytes in
 * base64), "" when none (static buffer).
 */
static const char *
tag_of(const char *s)
{
	static char tag[64];
	const char *p = strstr(s, "boundary=\"=_kefu.");

	tag[0] = '\0';
	if (p != NULL)
		snprintf(tag, sizeof tag, "%.12s", p + 17);
	return tag;
}

/*
 * Message s (n bytes) with what differs between two compositions of the
 * same message masked: the Date, Message-ID's random part, the boundary
 * tag (malloc'd, NUL-terminated).
 */
static char *
mask(const char *s, size_t n)
{
	struct strbuf sb = { 0 };
	char tag[64];
	const char *p = s, *e = s + n, *q;
	size_t k, tlen;

	snprintf(tag, sizeof tag, "%s", tag_of(s));
	tlen = strlen(tag);
	while (p < e) {
		if (strncmp(p, "Date: ", 6) == 0 && (p == s || p[-1] == '\n')) {
			sb_adds(&sb, "Date: DATE");
			p += strcspn(p, "\r");
		} else if (strncmp(p, "Message-Id: <kefu.", 18) == 0 &&
		    (q = strchr(p, '@')) != NULL && q - p > 12) {
			k = (size_t)(q - 12 - p);
			sb_add(&sb, p, k);
			sb_adds(&sb, "RANDOM");
			p = q;
		} else if (tlen > 0 && strncmp(p, tag, tlen) == 0) {
			sb_adds(&sb, "TAG");
			p += tlen;
		} else
			sb_addc(&sb, *p++);
	}
	return sb_steal(&sb);
}

/*
 * A campaign composed through a cache gives the bytes mail_compose gives,
 * Date, Message-ID and boundary aside, message after message: the body
 * is taken from the cache when subject, text, HTML and attachment files
 * are the same, composed again when any changes (a file rewritten in
 * place too); the campaign shares one boundary; Python's parser reads
 * every message.
 */
static void
test_cached(const struct conf *conf)
{
	static const char *const names[] = { "王芳", "Li \"Lei\"", NULL,
	    "陈小明 Chen", "Zhang" };
	struct store_msg m = { .subject = (char *)subject,
	    .body = (char *)"本周特价：鸡蛋 5.99 元/斤。\n.\n..dots\n",
	    .body_html = (char *)"<p>本周特价</p><img src=\"cid:logo@kefu."
	    "test\">", .msg_class = (char *)"marketing" };
	struct store_attachment att[2] = {
		{ .content_type = "image/png", .filename = "logo.png",
		    .inline_id = "logo@kefu.test" },
		{ .content_type = "application/pdf", .filename = "目录.pdf" },
	};
	struct mail_cache *c = mail_cache_new();
	struct strbuf fresh = { 0 }, cached = { 0 };
	char *cause = NULL, *a, *b, *logo, *pdf, *path, first[64] = "";
	unsigned char blob[2000];
	int i, same = 0, shared = 0, rc, parsed_ok = 0, new_tag = 0;
	size_t k;

	for (k = 0; k < sizeof blob; k++)
		blob[k] = (unsigned char)(k * 13);
	att[0].path = logo = put("c-logo.png", png_1x1, sizeof png_1x1);
	att[1].path = pdf = put("c-list.pdf", blob, sizeof blob);
	for (i = 0; i < 12; i++) {
		m.id = 100 + i;
		m.attempts = 1 + i % 3;
		m.recipient = xasprintf("r%d@kefu.test", i);
		m.recipient_name = (char *)names[i % 5];
		m.msg_class = (char *)(i % 4 == 3 ? "transactional" :
		    "marketing");
		if (i == 6)     /* another text: composed again */
			m.body = (char *)"第二封 second text\n";
		if (i == 8)     /* the first text again: from the cache */
			m.body = (char *)"本周特价：鸡蛋 5.99 元/斤。\n.\n..dots\n";
		if (i == 10) {  /* the PDF rewritten: read again */
			blob[0] ^= 0xff;
			free(put("c-list.pdf", blob, sizeof blob - 7));
		}
		sb_reset(&fresh);
		sb_reset(&cached);
		sb_adds(&cached, "KEEP");
		rc = mail_compose(conf, "kefu.test", &m, att, 2, &fresh,
		    &cause);
		rc |= mail_compose_cached(c, conf, "kefu.test", &m, att, 2,
		    &cached, &cause);
		a = mask(fresh.s, fresh.len);
		b = mask(cached.s + 4, cached.len - 4);
		if (rc == 0 && strcmp(a, b) == 0 &&
		    strncmp(cached.s, "KEEP", 4) == 0)
			same++;
		else if (rc == 0)
			tap_diag("message %d differs:\n%s\n--\n%s", i, a, b);
		if (i == 0)
			snprintf(first, sizeof first, "%s",
			    tag_of(cached.s + 4));
		shared += strcmp(tag_of(cached.s + 4), first) == 0;
		new_tag += i == 10 && strcmp(tag_of(cached.s + 4), first) != 0;
		path = xasprintf("new/%d", 100 + i);
		free(put(path, cached.s + 4, cached.len - 4));
		free(path);
		free(a);
		free(b);
		free(m.recipient);
	}
	is_int(same, 12, "12 messages through the cache: the bytes of "
	    "mail_compose, Date, Message-ID and boundary aside");
	/* 0-5 and 8-9 from the first body; 6-7 and 10-11 composed anew */
	is_int(shared, 8, "the messages of one body share its boundary");
	is_int(new_tag, 1, "a rewritten attachment makes a new body");
	parse();
	for (i = 0; i < 12; i++) {
		path = xasprintf("r%d@kefu.test", i);
		parsed_ok += strcmp(fact(100 + i, "defects"), "0") == 0 &&
		    strcmp(fact(100 + i, "subject"), subject) == 0 &&
		    strstr(fact(100 + i, "to"), path) != NULL &&
		    strcmp(fact(100 + i, "shape"), "multipart/mixed("
		    "multipart/related(multipart/alternative(text/plain,"
		    "text/html),image/png),application/pdf)") == 0;
		free(path);
	}
	is_int(parsed_ok, 12, "Python's parser reads each: no defect, the "
	    "subject, the recipient, the shape");
	is_str(fact(101, "to-name"), "Li \"Lei\"", "a quoted name survives");
	is_str(fact(103, "list-unsubscribe"), "-", "a transactional one has "
	    "no List-Unsubscribe");
	is_str(fact(104, "list-unsubscribe"), "<mailto:unsubscribe@kefu.test"
	    "?subject=unsubscribe%20104>, <https://shop.kefu.test/unsub/104>",
	    "a marketing one has its own");
	is_str(fact(110, "attachment"), "application/pdf 1993 bytes name "
	    "目录.pdf disposition attachment", "the rewritten PDF is sent");
	/* an attachment gone: the cause names it, as mail_compose's */
	att[1].path = "/nonexistent/kefu/c-list.pdf";
	sb_reset(&cached);
	is_int(mail_compose_cached(c, conf, "kefu.test", &m, att, 2, &cached,
	    &cause), -1, "a missing attachment: not composed");
	like(cause, "/nonexistent/kefu/c-list.pdf", "the cause names it");
	free(cause);
	mail_cache_free(c);
	mail_cache_free(NULL);
	free(logo);
	free(pdf);
	sb_free(&fresh);
	sb_free(&cached);
}

/*
 * International domains in From:, To: and List-Unsubscribe's mailto go
 * as A-labels (RFC 5891),
 * so the header is ASCII for a server without SMTPUTF8; a name before
 * the @ beyond ASCII stays UTF-8 (it goes only by SMTPUTF8).  Both paths
 * give the same bytes, and Python's parser reads the A-labels back.
 */
static void
test_idn(void)
{
	struct store_msg m = { .id = 44, .recipient = (char *)"shop@例子.中国",
	    .recipient_name = (char *)"王芳",
	    .subject = (char *)"Order shipped (kefu.test)",
	    .body = (char *)"您的订单已发货。",
	    .msg_class = (char *)"marketing", .attempts = 1 };
	struct mail_cache *c = mail_cache_new();
	struct strbuf fresh = { 0 }, cached = { 0 };
	struct conf *conf;
	char *cause = NULL, *a, *b;

	if (conf_parse("/tmp/kefu-mime-idn.conf", "[email]\n"
	    "url = smtp://127.0.0.1:25\nfrom = shop@例子.中国\n"
	    "from-name = 好又多超市\nunsubscribe = td@例子.中国\n", &conf,
	    &cause) == -1) {
		tap_diag("%s", cause);
		tap_bail("configuration");
	}
	ok(mail_compose(conf, "xn--fsqu00a.xn--fiqs8s", &m, NULL, 0, &fresh,
	    &cause) == 0 && mail_compose_cached(c, conf,
	    "xn--fsqu00a.xn--fiqs8s", &m, NULL, 0, &cached, &cause) == 0,
	    "to shop@例子.中国: composed both ways (%s)", cause ? cause : "");
	is_int(eight_bit(fresh.s, fresh.len), 0, "mail_compose: 7-bit ASCII");
	is_int(eight_bit(cached.s, cached.len), 0,
	    "mail_compose_cached: 7-bit ASCII");
	a = mask(fresh.s, fresh.len);
	b = mask(cached.s, cached.len);
	is_str(b, a, "the same bytes both ways");
	free(a);
	free(b);
	free(put("new/44", fresh.s, fresh.len));
	m.id = 45;
	sb_reset(&cached);
	ok(mail_compose_cached(c, conf, "xn--fsqu00a.xn--fiqs8s", &m, NULL,
	    0, &cached, &cause) == 0, "again from the cache");
	free(put("new/45", cached.s, cached.len));
	parse();
	is_str(fact(44, "to"), "王芳 <shop@xn--fsqu00a.xn--fiqs8s>",
	    "mail_compose: To: in A-labels, the name decodes");
	is_str(fact(45, "to"), "王芳 <shop@xn--fsqu00a.xn--fiqs8s>",
	    "mail_compose_cached: To: in A-labels");
	is_str(fact(44, "from"), "好又多超市 <shop@xn--fsqu00a.xn--fiqs8s>",
	    "From: in A-labels");
	is_str(fact(45, "list-unsubscribe"), "<mailto:td@xn--fsqu00a."
	    "xn--fiqs8s?subject=unsubscribe%2045>", "List-Unsubscribe's "
	    "mailto in A-labels");
	is_str(fact(45, "defects"), "0", "Python's parser finds no defect");
	a = mail_mailbox(NULL, "王芳@例子.中国");
	is_str(a, "王芳@xn--fsqu00a.xn--fiqs8s", "a name before the @ beyond "
	    "ASCII stays as it is, the domain in A-labels");
	free(a);
	a = mail_mailbox("Li", "li@kefu.test");
	is_str(a, "\"Li\" <li@kefu.test>", "an ASCII address as it is");
	free(a);
	mail_cache_free(c);
	conf_free(conf);
	sb_free(&fresh);
	sb_free(&cached);
}

/* An attachment gone from the disk: -1, its name, nothing appended. */
static void
test_missing(const struct conf *conf)
{
	struct store_msg m = { .id = 43, .recipient = (char *)"x@kefu.test",
	    .subject = (char *)"x", .body = (char *)"x",
	    .body_html = (char *)"<p>x</p>",
	    .msg_class = (char *)"marketing", .attempts = 1 };
	struct store_attachment a = { .content_type = "image/png",
	    .filename = "gone.png", .path = "/nonexistent/kefu/gone.png",
	    .inline_id = "gone@kefu.test" };
	struct strbuf out = { 0 };
	char *cause = NULL;

	struct msg_env env = { .cfg = conf };
	struct msg_result r;
	void *state = NULL;

	sb_adds(&out, "KEEP");
	is_int(mail_compose(conf, "kefu.test", &m, &a, 1, &out, &cause), -1,
	    "a missing attachment: the message cannot be built");
	like(cause, "/nonexistent/kefu/gone.png", "the cause names the file");
	is_str(sb_str(&out), "KEEP", "nothing is appended");
	free(cause);
	sb_free(&out);
	/* the transport gives it up before it connects (port 25 unused) */
	cause = NULL;
	ok(msg_mail_ops.open(&env, &state, &cause) == 0, "the e-mail "
	    "transport opens (%s)", cause ? cause : "");
	if (state == NULL)
		return;
	msg_mail_ops.send(state, &m, &a, 1, &r);
	is_int(r.outcome, MSG_PERMFAIL, "the transport fails it for good");
	like(r.detail, "/nonexistent/kefu/gone.png", "naming the file");
	msg_mail_ops.close(state);
}

int
main(void)
{
	struct conf *conf;
	char tmpl[] = "/tmp/kefu-mime-XXXXXX", *s;

	srcdir = getenv("KEFU_SRCDIR") ? getenv("KEFU_SRCDIR") : (char *)".";
	if (mkdtemp(tmpl) == NULL)
		tap_bail("mkdtemp");
	dir = tmpl;
	s = xasprintf("%s/new", dir);
	if (mkdir(s, 0700) == -1)
		tap_bail("mkdir");
	free(s);
	if ((conf = make_conf()) == NULL)
		tap_bail("configuration");
	test_special(conf);
	test_notice(conf);
	test_cached(conf);
	test_idn();
	test_missing(conf);
	conf_free(conf);
	free(parsed);
	s = xasprintf("rm -rf '%s'", dir);
	if (system(s) != 0)
		tap_diag("%s failed", s);
	free(s);
	return tap_done();
}
