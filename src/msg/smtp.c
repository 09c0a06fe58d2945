/*
 * smtp.c: kefu's own SMTP client (see smtp.h).  Pipelining (RFC 2920)
 * keeps a queue of the replies owed, in the order the commands were
 * written: MAIL, RCPT and DATA of message 1 go in one write; once its
 * DATA is answered 354, its body, the end of data and message 2's MAIL,
 * RCPT and DATA go in the next write, and so on -- RFC 2920 lets a group
 * start with message content and end with DATA.  A message refused at
 * MAIL, RCPT or DATA is followed by RSET before the next one's envelope;
 * each message's outcome is the first refusal or the end-of-data reply.
 * The socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO set to [email]
 * timeout, and written with MSG_NOSIGNAL (no signal calls per message),
 * under TLS too (smtp_bio).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <glib.h>

#include "msg/smtp.h"
#include "util/util.h"

#define SMTP_LINE_MAX 1024      /* of a reply line kept; longer is cut */

struct smtp {
	char *url;              /* for causes */
	char *host, *port;
	char *helo, *user, *password;
	int implicit_tls;       /* smtps:// */
	int starttls;           /* 0 no, 1 try, 2 yes */
	int tls_verify;
	int timeout_ms;
	int fd;                 /* -1: not connected */
	SSL_CTX *ctx;
	SSL *ssl;
	unsigned ext;           /* SMTP_EXT_* of the last EHLO */
	char in[8192];          /* what the server sent, not yet read */
	size_t in_off, in_len;
	struct strbuf out;      /* what is to be written */
	struct strbuf rep;      /* the last reply's lines, text only, \n */
	char last[400];         /* the last reply: "CODE text ..." */
	char err[300];          /* why the connection was lost */
	size_t dot_end;         /* in out: the end of a message's end of
				   data, 0: none there */
	size_t dot_i;           /* that message + 1 */
	size_t cut;             /* the message + 1 whose end of data a lost
				   write did not reach (not unknown), 0 */
};

/* What a reply in the pipelining queue answers. */
enum smtp_want {
	SMTP_W_MAIL,
	SMTP_W_RCPT,
	SMTP_W_DATA,
	SMTP_W_END,             /* the end of data of a message */
	SMTP_W_DOT,             /* an empty body after a 354 for nothing */
	SMTP_W_RSET,
};
struct smtp_owed {
	enum smtp_want what;
	size_t i;               /* the transaction */
};

static char *
smtp_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Split smtp[s]://host:port[/...] (host may be [v6]). */
static void
smtp_url(struct smtp *s, const char *url)
{
	const char *p = url, *e, *colon;

	if (str_prefix(p, "smtps://")) {
		s->implicit_tls = 1;
		p += 8;
	} else if (str_prefix(p, "smtp://"))
		p += 7;
	e = p + strcspn(p, "/?#");
	if (*p == '[' && (colon = memchr(p, ']', (size_t)(e - p))) != NULL) {
		s->host = xstrndup(p + 1, (size_t)(colon - p - 1));
		colon++;
	} else {
		colon = memchr(p, ':', (size_t)(e - p));
		s->host = xstrndup(p, (size_t)((colon ? colon : e) - p));
	}
	if (colon != NULL && *colon == ':' && colon + 1 < e)
		s->port = xstrndup(colon + 1, (size_t)(e - colon - 1));
	else
		s->port = xstrdup(s->implicit_tls ? "465" : "25");
}

struct smtp *
smtp_new(const struct smtp_opts *o)
{
	struct smtp *s = xcalloc(1, sizeof *s);

	s->fd = -1;
	s->url = xstrdup(o->url);
	smtp_url(s, o->url);
	s->helo = xstrdup(o->helo ? o->helo : "localhost");
	s->user = smtp_dup(o->user);
	s->password = xstrdup(o->password ? o->password : "");
	s->starttls = o->starttls == NULL ? 0 :
	    strcmp(o->starttls, "yes") == 0 ? 2 :
	    strcmp(o->starttls, "try") == 0 ? 1 : 0;
	s->tls_verify = o->tls_verify;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	return s;
}

unsigned
smtp_extensions(const struct smtp *s)
{
	return s->ext;
}

int
smtp_tls(const struct smtp *s)
{
	return s->ssl != NULL;
}

/* Close without a word (the connection is lost or useless). */
static void
smtp_drop(struct smtp *s)
{
	if (s->ssl != NULL) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	s->in_off = s->in_len = 0;
	sb_reset(&s->out);
	s->dot_i = 0;
}

/* Lost: remember why in s->err, drop the connection, -1. */
static int
smtp_lost(struct smtp *s, const char *why)
{
	snprintf(s->err, sizeof s->err, "%s: %s", s->url, why);
	smtp_drop(s);
	return -1;
}

/* Write everything in s->out.  -1 when the connection is lost. */
static int
smtp_flush(struct smtp *s)
{
	size_t off = 0;
	ssize_t w;
	int rc;

	while (off < s->out.len) {
		if (s->ssl != NULL) {
			ERR_clear_error();
			rc = SSL_write(s->ssl, s->out.s + off,
			    (int)(s->out.len - off));
			w = rc > 0 ? rc : -1;
		} else
			w = send(s->fd, s->out.s + off, s->out.len - off,
			    MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR && s->ssl == NULL)
			continue;
		if (w <= 0) {
			if (s->dot_i != 0 && off < s->dot_end)
				s->cut = s->dot_i;
			return smtp_lost(s, errno == EAGAIN ? "the server "
			    "took nothing within [email] timeout" :
			    "the connection was lost while writing");
		}
		off += (size_t)w;
	}
	sb_reset(&s->out);
	s->dot_i = 0;
	return 0;
}

/* Read more from the server.  -1 when the connection is lost. */
static int
smtp_fill(struct smtp *s)
{
	ssize_t r;
	int rc;

	if (s->in_off > 0) {
		memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
		s->in_len -= s->in_off;
		s->in_off = 0;
	}
	for (;;) {
		if (s->ssl != NULL) {
			ERR_clear_error();
			rc = SSL_read(s->ssl, s->in + s->in_len,
			    (int)(sizeof s->in - s->in_len));
			r = rc > 0 ? rc : rc == 0 ? 0 : -1;
			if (rc <= 0 && SSL_get_error(s->ssl, rc) ==
			    SSL_ERROR_ZERO_RETURN)
				r = 0;
		} else
			r = recv(s->fd, s->in + s->in_len,
			    sizeof s->in - s->in_len, 0);
		if (r == -1 && errno == EINTR && s->ssl == NULL)
			continue;
		break;
	}
	if (r == 0)
		return smtp_lost(s, "the server closed the connection");
	if (r < 0)
		return smtp_lost(s, errno == EAGAIN || errno == EWOULDBLOCK ?
		    "no answer within [email] timeout" :
		    "the connection was lost while reading");
	s->in_len += (size_t)r;
	return 0;
}

/* One line without its CRLF into line (cut to size).  -1: lost. */
static int
smtp_line(struct smtp *s, char *line, size_t size)
{
	char *nl;
	size_t n;

	for (;;) {
		nl = memchr(s->in + s->in_off, '\n', s->in_len - s->in_off);
		if (nl != NULL)
			break;
		if (s->in_len == sizeof s->in && s->in_off == 0)
			s->in_len = 0;  /* an endless line: drop its head */
		if (s->fd == -1 || smtp_fill(s) == -1)
			return -1;
	}
	n = (size_t)(nl - (s->in + s->in_off));
	if (n > 0 && nl[-1] == '\r')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(line, s->in + s->in_off, n);
	line[n] = '\0';
	s->in_off = (size_t)(nl - s->in) + 1;
	return 0;
}

/*
 * One reply, single or multi-line: its code in *code, its lines' text
 * in s->rep (one a line), "CODE text text..." in s->last.  -1 when the
 * connection is lost or the server does not speak SMTP.
 */
static int
smtp_reply(struct smtp *s, int *code)
{
	char line[SMTP_LINE_MAX];
	size_t len;
	int more;

	sb_reset(&s->rep);
	s->last[0] = '\0';
	do {
		if (smtp_line(s, line, sizeof line) == -1)
			return -1;
		if (!isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			snprintf(s->err, sizeof s->err, "%s: the server's "
			    "answer is not SMTP: %.60s", s->url, line);
			smtp_drop(s);
			return -1;
		}
		more = line[3] == '-';
		*code = atoi(line);
		len = strlen(s->last);
		if (len == 0)
			snprintf(s->last, sizeof s->last, "%.3s", line);
		len = strlen(s->last);
		if (line[3] != '\0' && line[4] != '\0')
			snprintf(s->last + len, sizeof s->last - len, " %s",
			    line + 4);
		sb_adds(&s->rep, line[3] != '\0' ? line + 4 : "");
		sb_addc(&s->rep, '\n');
	} while (more);
	return 0;
}

/* Write what s->out holds and read one reply.  -1: lost. */
static int
smtp_ask(struct smtp *s, int *code)
{
	if (smtp_flush(s) == -1)
		return -1;
	return smtp_reply(s, code);
}

/* The TCP connection, with the timeouts set.  -1 with *cause. */
static int
smtp_connect(struct smtp *s, char **cause)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	struct timeval tv;
	struct pollfd pfd;
	socklen_t len;
	int fd = -1, err = 0, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(s->host, s->port, &hints, &res)) != 0)
		return kf_error(cause, "%s: cannot find %s: %s", s->url,
		    s->host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (err == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			len = sizeof err;
			if (poll(&pfd, 1, s->timeout_ms) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
			if (err == EINPROGRESS)
				err = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return kf_error(cause, "%s: cannot connect: %s", s->url,
		    strerror(err));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	tv.tv_sec = s->timeout_ms / 1000;
	tv.tv_usec = (s->timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->fd = fd;
	s->in_off = s->in_len = 0;
	return 0;
}

/* 1 when host is an IPv4 or IPv6 address rather than a name. */
static int
smtp_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/*
 * SIGPIPE.  OpenSSL's socket BIO writes with write(2), which raises
 * SIGPIPE when the server has reset the connection: that kills a program
 * that leaves SIGPIPE at its default (kefu outbox, a script).  So TLS
 * goes through OpenSSL's socket BIO with its write replaced by
 * send(MSG_NOSIGNAL), as the plain socket is written.  Chosen over
 * blocking SIGPIPE around SSL_write with pthread_sigmask and taking a
 * pending one with sigtimedwait: that costs three system calls a write,
 * must tell our SIGPIPE from one pending before, and puts signal state
 * in a transport; this costs nothing and touches no signal.
 */
static BIO_METHOD *smtp_bio_meth;
static pthread_once_t smtp_bio_once = PTHREAD_ONCE_INIT;

static int
smtp_bio_write(BIO *b, const char *p, int n)
{
	ssize_t w;

	BIO_clear_retry_flags(b);
	w = send((int)BIO_get_fd(b, NULL), p, (size_t)n, MSG_NOSIGNAL);
	return w < 0 ? -1 : (int)w;
}

/* The method, made once: the socket BIO's but for its write. */
static void
smtp_bio_init(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	BIO_METHOD *m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
	    BIO_TYPE_DESCRIPTOR, "kefu smtp socket");
	if (m == NULL)
		return;
	BIO_meth_set_write(m, smtp_bio_write);
	BIO_meth_set_read(m, BIO_meth_get_read(sock));
	BIO_meth_set_puts(m, BIO_meth_get_puts(sock));
	BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock));
	BIO_meth_set_create(m, BIO_meth_get_create(sock));
	BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock));
	smtp_bio_meth = m;
}

/* A BIO on fd (not closed with it) written without SIGPIPE, or NULL. */
static BIO *
smtp_bio(int fd)
{
	BIO *b;

	pthread_once(&smtp_bio_once, smtp_bio_init);
	if (smtp_bio_meth == NULL || (b = BIO_new(smtp_bio_meth)) == NULL)
		return NULL;
	BIO_set_fd(b, fd, BIO_NOCLOSE);
	return b;
}

/* TLS over the open connection, the server's name checked.  -1. */
static int
smtp_tls_start(struct smtp *s, char **cause)
{
	unsigned long e;
	long v;
	BIO *bio;

	if (s->ctx == NULL) {
		if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
			return kf_error(cause, "%s: OpenSSL could not start",
			    s->url);
		SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
		if (s->tls_verify) {
			SSL_CTX_set_default_verify_paths(s->ctx);
			SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
		} else
			SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
	}
	if ((s->ssl = SSL_new(s->ctx)) == NULL ||
	    (bio = smtp_bio(s->fd)) == NULL)
		return kf_error(cause, "%s: OpenSSL could not start", s->url);
	SSL_set_bio(s->ssl, bio, bio);
	/* a write that breaks off says how far it got (smtp_flush) */
	SSL_set_mode(s->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE);
	if (!smtp_is_ip(s->host)) {
		SSL_set_tlsext_host_name(s->ssl, s->host);
		if (s->tls_verify)
			SSL_set1_host(s->ssl, s->host);
	} else if (s->tls_verify)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), s->host);
	ERR_clear_error();
	if (SSL_connect(s->ssl) == 1)
		return 0;
	v = SSL_get_verify_result(s->ssl);
	e = ERR_get_error();
	if (s->tls_verify && v != X509_V_OK)
		return kf_error(cause, "%s: the server's certificate was not "
		    "accepted (%s): give it one a CA signed for %s, or set "
		    "[email] tls-verify = no for a test server", s->url,
		    X509_verify_cert_error_string(v), s->host);
	return kf_error(cause, "%s: TLS could not be set up (%s)", s->url,
	    e ? ERR_reason_error_string(e) : "the server closed the "
	    "connection");
}

/* EHLO, or HELO when EHLO is refused; s->ext from its lines.  -1. */
static int
smtp_ehlo(struct smtp *s, int *code, char **cause)
{
	char *line, *next, *p;

	s->ext = 0;
	sb_addf(&s->out, "EHLO %s\r\n", s->helo);
	if (smtp_ask(s, code) == -1)
		return kf_error(cause, "%s", s->err);
	if (*code >= 500 && *code < 600) {
		sb_addf(&s->out, "HELO %s\r\n", s->helo);
		if (smtp_ask(s, code) == -1)
			return kf_error(cause, "%s", s->err);
	}
	if (*code != 250)
		return kf_error(cause, "%s: the server refused our greeting: "
		    "%s", s->url, s->last);
	/* The first line is the server's name; then one keyword a line. */
	line = strchr(s->rep.s, '\n');
	for (line = line ? line + 1 : NULL; line && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (p = line; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strcmp(line, "PIPELINING") == 0)
			s->ext |= SMTP_EXT_PIPELINING;
		else if (strcmp(line, "STARTTLS") == 0)
			s->ext |= SMTP_EXT_STARTTLS;
		else if (strcmp(line, "8BITMIME") == 0)
			s->ext |= SMTP_EXT_8BITMIME;
		else if (strcmp(line, "SMTPUTF8") == 0)
			s->ext |= SMTP_EXT_SMTPUTF8;
		else if (str_prefix(line, "SIZE"))
			s->ext |= SMTP_EXT_SIZE;
		else if (str_prefix(line, "AUTH ") ||
		    str_prefix(line, "AUTH=")) {
			if (strstr(line + 4, "PLAIN") != NULL)
				s->ext |= SMTP_EXT_AUTH_PLAIN;
			if (strstr(line + 4, "LOGIN") != NULL)
				s->ext |= SMTP_EXT_AUTH_LOGIN;
		}
	}
	return 0;
}

/* base64 of n bytes into out, which is cleansed by the caller. */
static void
smtp_b64(struct strbuf *out, const void *p, size_t n)
{
	unsigned char *b = xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock(b, p, (int)n);

	sb_add(out, b, (size_t)len);
	OPENSSL_cleanse(b, (size_t)len);
	free(b);
}

/* Write s->out, wiped afterwards (it holds a secret), and read. */
static int
smtp_ask_secret(struct smtp *s, int *code)
{
	struct strbuf keep = s->out;
	int rc;

	rc = smtp_flush(s);
	OPENSSL_cleanse(keep.s, keep.cap);
	if (rc == -1)
		return -1;
	return smtp_reply(s, code);
}

/* AUTH PLAIN, or LOGIN when PLAIN is not offered.  -1 with *cause. */
static int
smtp_auth(struct smtp *s, int *code, char **cause)
{
	size_t ul = strlen(s->user), pl = strlen(s->password);
	char *raw;

	if (s->ext & SMTP_EXT_AUTH_PLAIN) {
		raw = xcalloc(1, ul + pl + 2);
		memcpy(raw + 1, s->user, ul);
		memcpy(raw + ul + 2, s->password, pl);
		sb_adds(&s->out, "AUTH PLAIN ");
		smtp_b64(&s->out, raw, ul + pl + 2);
		sb_adds(&s->out, "\r\n");
		OPENSSL_cleanse(raw, ul + pl + 2);
		free(raw);
		if (smtp_ask_secret(s, code) == -1)
			return kf_error(cause, "%s", s->err);
	} else if (s->ext & SMTP_EXT_AUTH_LOGIN) {
		sb_adds(&s->out, "AUTH LOGIN\r\n");
		if (smtp_ask(s, code) == -1)
			return kf_error(cause, "%s", s->err);
		if (*code == 334) {
			smtp_b64(&s->out, s->user, ul);
			sb_adds(&s->out, "\r\n");
			if (smtp_ask(s, code) == -1)
				return kf_error(cause, "%s", s->err);
		}
		if (*code == 334) {
			smtp_b64(&s->out, s->password, pl);
			sb_adds(&s->out, "\r\n");
			if (smtp_ask_secret(s, code) == -1)
				return kf_error(cause, "%s", s->err);
		}
	} else
		return kf_error(cause, "%s: the server offers neither AUTH "
		    "PLAIN nor LOGIN for the [email] user%s", s->url,
		    s->ssl == NULL ? " (many offer AUTH only over TLS: see "
		    "[email] starttls)" : "");
	if (*code != 235)
		return kf_error(cause, "%s: the SMTP server refused the "
		    "[email] user and password (%s)", s->url, s->last);
	return 0;
}

/*
 * Connect, greeting, EHLO, STARTTLS, EHLO again, AUTH.  -1 with *cause
 * and the refusing reply's code in *code (0: none); the connection is
 * then closed.
 */
static int
smtp_session(struct smtp *s, int *code, char **cause)
{
	*code = 0;
	if (smtp_connect(s, cause) == -1)
		return -1;
	if (s->implicit_tls && smtp_tls_start(s, cause) == -1)
		goto fail;
	if (smtp_reply(s, code) == -1) {
		kf_error(cause, "%s", s->err);
		goto fail;
	}
	if (*code != 220) {
		kf_error(cause, "%s: the server does not take mail now: %s",
		    s->url, s->last);
		goto fail;
	}
	if (smtp_ehlo(s, code, cause) == -1)
		goto fail;
	if (s->ssl == NULL && s->starttls > 0 &&
	    (s->ext & SMTP_EXT_STARTTLS)) {
		sb_adds(&s->out, "STARTTLS\r\n");
		if (smtp_ask(s, code) == -1) {
			kf_error(cause, "%s", s->err);
			goto fail;
		}
		if (*code != 220) {
			kf_error(cause, "%s: the server refused STARTTLS: %s",
			    s->url, s->last);
			goto fail;
		}
		*code = 0;
		if (smtp_tls_start(s, cause) == -1 ||
		    smtp_ehlo(s, code, cause) == -1)
			goto fail;
	} else if (s->ssl == NULL && s->starttls == 2) {
		kf_error(cause, "%s: the server does not offer STARTTLS and "
		    "[email] starttls = yes", s->url);
		goto fail;
	}
	if (s->user != NULL && smtp_auth(s, code, cause) == -1)
		goto fail;
	return 0;
fail:
	if (*code >= 200 && *code < 400)
		*code = 0;
	smtp_drop(s);
	return -1;
}

/* 1 when the addresses can stand in MAIL FROM:<...> / RCPT TO:<...>. */
static int
smtp_addr_ok(const char *a)
{
	return a != NULL && a[strcspn(a, "\r\n<>")] == '\0';
}

/*
 * Addresses beyond ASCII (RFC 6531, SMTPUTF8).  A server that offers
 * SMTPUTF8 takes them as they are, MAIL FROM then saying SMTPUTF8.  To
 * one that does not, a domain goes as IDNA A-labels (xn--..., RFC 5891)
 * by GLib's g_hostname_to_ascii -- GLib is linked already for GMime, so
 * no IDN library is added -- and a name before the @ beyond ASCII cannot
 * go at all: that message alone is refused, 553, saying why.
 */

/* 1 when a holds a byte beyond ASCII. */
static int
smtp_8bit(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a >= 0x80)
			return 1;
	return 0;
}

/* 1 when t goes with SMTPUTF8. */
static int
smtp_utf8(const struct smtp *s, const struct smtp_txn *t)
{
	return (s->ext & SMTP_EXT_SMTPUTF8) &&
	    (smtp_8bit(t->from) || smtp_8bit(t->rcpt));
}

/*
 * a as the server can take it into s->out: as it is, or with its domain
 * in A-labels (smtp_intl has refused what cannot be).
 */
static void
smtp_addr_put(struct smtp *s, const char *a)
{
	const char *at = strrchr(a, '@');
	char *ace;

	if ((s->ext & SMTP_EXT_SMTPUTF8) || !smtp_8bit(a) || at == NULL ||
	    (ace = g_hostname_to_ascii(at + 1)) == NULL) {
		sb_adds(&s->out, a);
		return;
	}
	sb_add(&s->out, a, (size_t)(at + 1 - a));
	sb_adds(&s->out, ace);
	g_free(ace);
}

/* Why a cannot go to a server without SMTPUTF8, or NULL when it can. */
static const char *
smtp_intl_why(const char *a)
{
	const char *at = strrchr(a, '@'), *p;
	char *ace;

	if (!smtp_8bit(a))
		return NULL;
	if (at == NULL)
		return "beyond ASCII";
	for (p = a; p < at; p++)
		if ((unsigned char)*p >= 0x80)
			return "a name before the @ beyond ASCII";
	if ((ace = g_hostname_to_ascii(at + 1)) == NULL)
		return "a domain that is no valid international domain name";
	g_free(ace);
	return NULL;
}

/* Refuse the messages whose addresses the server cannot take (553). */
static void
smtp_intl(struct smtp *s, struct smtp_txn *t, size_t n)
{
	const char *why, *a;
	size_t i;

	if (s->ext & SMTP_EXT_SMTPUTF8)
		return;
	for (i = 0; i < n; i++) {
		if (t[i].code != 0)
			continue;
		a = t[i].from;
		if ((why = smtp_intl_why(a)) == NULL &&
		    (why = smtp_intl_why(a = t[i].rcpt)) == NULL)
			continue;
		t[i].code = 553;
		snprintf(t[i].reply, sizeof t[i].reply, "kefu: the server does "
		    "not offer SMTPUTF8, needed for %.200s (%s)", a, why);
	}
}

/* The MAIL command of t into s->out, without its line end. */
static void
smtp_mail(struct smtp *s, const struct smtp_txn *t)
{
	sb_adds(&s->out, "MAIL FROM:<");
	smtp_addr_put(s, t->from);
	sb_addc(&s->out, '>');
	if (s->ext & SMTP_EXT_SIZE)
		sb_addf(&s->out, " SIZE=%zu", t->len);
	if (s->ext & SMTP_EXT_8BITMIME)
		sb_adds(&s->out, " BODY=8BITMIME");
	if (smtp_utf8(s, t))
		sb_adds(&s->out, " SMTPUTF8");
}

/* The RCPT command of t into s->out, with its line end. */
static void
smtp_rcpt(struct smtp *s, const struct smtp_txn *t)
{
	sb_adds(&s->out, "RCPT TO:<");
	smtp_addr_put(s, t->rcpt);
	sb_adds(&s->out, ">\r\n");
}

/* MAIL, RCPT, DATA of t into s->out. */
static void
smtp_envelope(struct smtp *s, const struct smtp_txn *t)
{
	smtp_mail(s, t);
	sb_adds(&s->out, "\r\n");
	smtp_rcpt(s, t);
	sb_adds(&s->out, "DATA\r\n");
}

/*
 * t's bytes dot-stuffed, lines ended CRLF, then the end of data: runs of
 * lines that need nothing (CRLF, no leading dot) are copied whole.
 */
static void
smtp_body(struct strbuf *out, const struct smtp_txn *t)
{
	const char *p = t->data, *e = t->data + t->len, *run = p, *nl;

	while (p < e) {
		if (*p == '.') {
			sb_add(out, run, (size_t)(p - run));
			sb_addc(out, '.');
			run = p;
		}
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL) {
			sb_add(out, run, (size_t)(e - run));
			sb_add(out, "\r\n", 2);
			run = e;
			break;
		}
		if (nl == p || nl[-1] != '\r') {
			/* a bare LF: CRLF instead */
			sb_add(out, run, (size_t)(nl - run));
			sb_add(out, "\r\n", 2);
			run = nl + 1;
		}
		p = nl + 1;
	}
	sb_add(out, run, (size_t)(e - run));
	sb_add(out, ".\r\n", 3);
}

/*
 * Message i's end of data is the last thing in s->out: should the write
 * break off before it, the message cannot have been taken.
 */
static void
smtp_dot(struct smtp *s, size_t i)
{
	s->dot_end = s->out.len;
	s->dot_i = i + 1;
}

/* t's outcome: reply code and text, the queue id when taken. */
static void
smtp_decide(struct smtp *s, struct smtp_txn *t, int code)
{
	const char *q;

	t->code = code;
	t->unknown = 0;
	t->down = code == 421;
	snprintf(t->reply, sizeof t->reply, "%s", s->last);
	if (code / 100 != 2)
		return;
	/* Postfix "250 2.0.0 Ok: queued as 4Q1b..."; Exim "250 OK id=..." */
	if ((q = strstr(s->last, "queued as ")) != NULL)
		q += 10;
	else if ((q = strstr(s->last, " id=")) != NULL)
		q += 4;
	if (q != NULL)
		snprintf(t->queue_id, sizeof t->queue_id, "%.*s",
		    (int)strcspn(q, " \r\n"), q);
}

/* Every transaction still without a reply: the server is gone. */
static void
smtp_gone(struct smtp *s, struct smtp_txn *t, size_t n)
{
	size_t i;

	if (s->cut != 0 && s->cut <= n)
		t[s->cut - 1].unknown = 0;      /* its end of data never went */
	for (i = 0; i < n; i++) {
		if (t[i].code != 0)
			continue;
		t[i].down = 1;
		snprintf(t[i].reply, sizeof t[i].reply, "%s%s", s->err,
		    t[i].unknown ? " after the whole message was sent" : "");
	}
}

/* The next transaction from i on still to send, or n. */
static size_t
smtp_next(const struct smtp_txn *t, size_t n, size_t i)
{
	while (i < n && t[i].code != 0)
		i++;
	return i;
}

/* Append to the queue of replies owed. */
static void
smtp_owe(struct smtp_owed *q, size_t *nq, enum smtp_want what, size_t i)
{
	q[*nq].what = what;
	q[(*nq)++].i = i;
}

/*
 * Read the owed replies up to and including the one at index upto, each
 * deciding its transaction: a refusal at MAIL or RCPT is kept until the
 * DATA reply, which then asks for RSET (and an empty body if the server
 * said 354 all the same).  The decision after DATA is made here; its
 * writes go in s->out for the caller's next write.  -1: lost (a 421
 * closes too), *got counts replies read.
 */
static int
smtp_drain(struct smtp *s, struct smtp_txn *t, struct smtp_owed *q,
    size_t *head, size_t *nq, size_t upto, unsigned *got)
{
	struct smtp_owed o;
	int code;

	while (*head <= upto && *head < *nq) {
		o = q[(*head)++];
		if (smtp_reply(s, &code) == -1)
			return -1;
		(*got)++;
		if (code == 421) {
			if (o.what != SMTP_W_RSET && o.what != SMTP_W_DOT &&
			    t[o.i].code == 0)
				smtp_decide(s, &t[o.i], code);
			snprintf(s->err, sizeof s->err, "%s: the server closed "
			    "the connection: %.200s", s->url, s->last);
			smtp_drop(s);
			return -1;
		}
		switch (o.what) {
		case SMTP_W_MAIL:
		case SMTP_W_RCPT:
			if (code / 100 != 2 && t[o.i].code == 0)
				smtp_decide(s, &t[o.i], code);
			break;
		case SMTP_W_DATA:
			if (t[o.i].code != 0 || code != 354) {
				if (t[o.i].code == 0)
					smtp_decide(s, &t[o.i], code);
				if (code == 354) {
					sb_add(&s->out, ".\r\n", 3);
					smtp_owe(q, nq, SMTP_W_DOT, o.i);
				}
				sb_adds(&s->out, "RSET\r\n");
				smtp_owe(q, nq, SMTP_W_RSET, o.i);
			} else {
				smtp_body(&s->out, &t[o.i]);
				smtp_dot(s, o.i);
				t[o.i].unknown = 1;
				smtp_owe(q, nq, SMTP_W_END, o.i);
			}
			break;
		case SMTP_W_END:
			smtp_decide(s, &t[o.i], code);
			break;
		case SMTP_W_DOT:
		case SMTP_W_RSET:
			break;
		}
	}
	return 0;
}

/* The batch pipelined: one write and one wait a message.  -1: lost. */
static int
smtp_pipelined(struct smtp *s, struct smtp_txn *t, size_t n, unsigned *got)
{
	struct smtp_owed *q = xcalloc(5 * n + 1, sizeof *q);
	size_t i, head = 0, nq = 0, data;
	int rc = -1;

	i = smtp_next(t, n, 0);
	if (i < n) {
		smtp_envelope(s, &t[i]);
		smtp_owe(q, &nq, SMTP_W_MAIL, i);
		smtp_owe(q, &nq, SMTP_W_RCPT, i);
		smtp_owe(q, &nq, SMTP_W_DATA, i);
	}
	while (i < n) {
		data = nq - 1;          /* t[i]'s DATA */
		if (smtp_flush(s) == -1 ||
		    smtp_drain(s, t, q, &head, &nq, data, got) == -1)
			goto out;
		/* s->out: t[i]'s body or RSET; then the next envelope */
		if ((i = smtp_next(t, n, i + 1)) < n) {
			smtp_envelope(s, &t[i]);
			smtp_owe(q, &nq, SMTP_W_MAIL, i);
			smtp_owe(q, &nq, SMTP_W_RCPT, i);
			smtp_owe(q, &nq, SMTP_W_DATA, i);
		}
	}
	if (smtp_flush(s) == -1 ||
	    smtp_drain(s, t, q, &head, &nq, nq, got) == -1)
		goto out;
	rc = 0;
out:
	free(q);
	return rc;
}

/* One command of t in lock step: its code, or -1 when lost. */
static int
smtp_step(struct smtp *s, struct smtp_txn *t, unsigned *got)
{
	int code;

	if (smtp_ask(s, &code) == -1)
		return -1;
	(*got)++;
	if (code == 421) {
		if (t->code == 0)
			smtp_decide(s, t, code);
		snprintf(s->err, sizeof s->err, "%s: the server closed the "
		    "connection: %.200s", s->url, s->last);
		smtp_drop(s);
		return -1;
	}
	return code;
}

/* The batch without PIPELINING: every command waits for its reply. */
static int
smtp_lockstep(struct smtp *s, struct smtp_txn *t, size_t n, unsigned *got)
{
	size_t i;
	int code;

	for (i = smtp_next(t, n, 0); i < n; i = smtp_next(t, n, i + 1)) {
		smtp_mail(s, &t[i]);
		sb_adds(&s->out, "\r\n");
		if ((code = smtp_step(s, &t[i], got)) == -1)
			return -1;
		if (code / 100 != 2) {
			smtp_decide(s, &t[i], code);
			continue;
		}
		smtp_rcpt(s, &t[i]);
		if ((code = smtp_step(s, &t[i], got)) == -1)
			return -1;
		if (code / 100 == 2) {
			sb_adds(&s->out, "DATA\r\n");
			if ((code = smtp_step(s, &t[i], got)) == -1)
				return -1;
		}
		if (code != 354) {
			smtp_decide(s, &t[i], code);
			sb_adds(&s->out, "RSET\r\n");
			if (smtp_step(s, &t[i], got) == -1)
				return -1;
			continue;
		}
		smtp_body(&s->out, &t[i]);
		smtp_dot(s, i);
		t[i].unknown = 1;
		if ((code = smtp_step(s, &t[i], got)) == -1)
			return -1;
		smtp_decide(s, &t[i], code);
	}
	return 0;
}

/*
 * 1 when the open connection still looks usable: nothing to read (a
 * server that timed us out has sent 421 or closed it).
 */
static int
smtp_alive(struct smtp *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

	if (s->fd == -1)
		return 0;
	if (s->ssl != NULL && SSL_pending(s->ssl) > 0)
		return 0;
	return poll(&pfd, 1, 0) == 0;
}

size_t
smtp_send_many(struct smtp *s, struct smtp_txn *t, size_t n)
{
	char *cause = NULL;
	size_t i, taken = 0;
	unsigned got;
	int code, rc, again = 1;

retry:
	s->cut = 0;
	for (i = 0; i < n; i++) {
		t[i].code = 0;
		t[i].reply[0] = t[i].queue_id[0] = '\0';
		t[i].down = t[i].unknown = 0;
		if (!smtp_addr_ok(t[i].from) || !smtp_addr_ok(t[i].rcpt) ||
		    t[i].rcpt[0] == '\0') {
			t[i].code = 553;
			snprintf(t[i].reply, sizeof t[i].reply, "kefu: the "
			    "address cannot be sent (empty, a line break or "
			    "<>)");
		}
	}
	if (smtp_next(t, n, 0) == n)
		return 0;       /* nothing to send: no connection needed */
	if (s->fd != -1 && !smtp_alive(s))
		smtp_drop(s);
	if (s->fd == -1 && smtp_session(s, &code, &cause) == -1) {
		for (i = 0; i < n; i++) {
			if (t[i].code != 0)
				continue;
			t[i].down = 1;
			t[i].code = code;
			snprintf(t[i].reply, sizeof t[i].reply, "%s", cause);
		}
		free(cause);
		return 0;
	}
	smtp_intl(s, t, n);
	got = 0;
	rc = s->ext & SMTP_EXT_PIPELINING ? smtp_pipelined(s, t, n, &got) :
	    smtp_lockstep(s, t, n, &got);
	if (rc == -1 && got == 0 && again) {
		/*
		 * Lost before any reply: nothing can have been taken (a body
		 * goes only after its 354).  A connection closed while idle
		 * and not noticed, or a new one closed after EHLO: once more,
		 * afresh.
		 */
		again = 0;
		goto retry;
	}
	if (rc == -1)
		smtp_gone(s, t, n);
	for (i = 0; i < n; i++)
		taken += t[i].code / 100 == 2;
	return taken;
}

void
smtp_free(struct smtp *s)
{
	struct timeval tv;
	int code;

	if (s == NULL)
		return;
	if (s->fd != -1) {
		/* a stopping worker waits 2 s at most for a dead server */
		tv.tv_sec = s->timeout_ms < 2000 ? s->timeout_ms / 1000 : 2;
		tv.tv_usec = s->timeout_ms < 2000 ?
		    (s->timeout_ms % 1000) * 1000 : 0;
		setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		sb_adds(&s->out, "QUIT\r\n");
		if (smtp_ask(s, &code) == 0 && s->ssl != NULL)
			SSL_shutdown(s->ssl);
		smtp_drop(s);
	}
	SSL_CTX_free(s->ctx);
	if (s->password != NULL)
		OPENSSL_cleanse(s->password, strlen(s->password));
	free(s->url);
	free(s->host);
	free(s->port);
	free(s->helo);
	free(s->user);
	free(s->password);
	sb_free(&s->out);
	sb_free(&s->rep);
	free(s);
}
