/*
 * msg-smtp.c: kefu's own SMTP client (msg/smtp.c) against a scripted
 * SMTP server in a thread on loopback that records what it is sent and
 * checks how: a pipelined group arrives whole (MAIL, RCPT and DATA read
 * before any is answered, one read a message), a server without
 * PIPELINING refuses a command sent before its previous reply; a refused
 * RCPT among five messages, 452, 554 at the end of data, 421 and a close
 * mid-batch, a close while idle; a kept connection dropped (FIN or RST)
 * at the next batch's first write, a new one closed after EHLO: the
 * batch once more, each message once; a close mid-DATA over TLS with
 * SIGPIPE at its default; dot-stuffing; multi-line replies; AUTH
 * PLAIN and LOGIN with the password in no reply; STARTTLS with a
 * self-signed certificate (made here by openssl), verified or not.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "msg/smtp.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"

#define SRV_MSGS 16
#define PASSWORD "s3cret-Pw9"

/* The scripted server: what it does, and what it saw. */
struct srv {
	int lfd, port;
	pthread_t th;
	atomic_int stop;
	/* knobs */
	int pipelining;         /* offer PIPELINING (else: lock step
				   enforced) */
	const char *auth;       /* the AUTH line's mechanisms, or NULL */
	int starttls;           /* offer STARTTLS */
	int implicit;           /* TLS from the start (smtps) */
	SSL_CTX *ctx;
	int idle_close;         /* close after this many messages */
	int rst;                /* closing: a reset (RST), not a FIN */
	int drop_at;            /* on the first connection, drop it at the
				   MAIL after this many messages, unread */
	int ehlo_close;         /* close after EHLO on the first this many
				   connections */
	int cut_data;           /* at DATA: 354, then FIN, and a RST to the
				   body */
	int no_utf8;            /* do not offer SMTPUTF8 */
	int watch;              /* fill follow[] (20 ms a message) */
	/* seen */
	int conns, whole, split, early, rsets, auth_ok, tls;
	atomic_int closed;      /* connections closed by the server */
	char mech[16];
	unsigned reads;         /* reads that returned bytes */
	struct strbuf wire;     /* every byte received after TLS */
	int nmsg;
	char rcpt[SRV_MSGS][64];
	char mail[SRV_MSGS][128];       /* the MAIL FROM line of each */
	int follow[SRV_MSGS];   /* 1: more came right after its end of
				   data, before its reply */
	struct strbuf body[SRV_MSGS];
};

/* One connection's reader. */
struct conn {
	struct srv *s;
	int fd;
	SSL *ssl;
	int cut;                /* closed under TLS: no close_notify */
	char buf[65536];
	size_t off, len;
};

static int
c_fill(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t r;

	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	while (c->ssl == NULL || SSL_pending(c->ssl) == 0) {
		if (atomic_load(&c->s->stop))
			return -1;
		if (poll(&pfd, 1, 100) == 1)
			break;
	}
	if (c->ssl != NULL)
		r = SSL_read(c->ssl, c->buf + c->len,
		    (int)(sizeof c->buf - c->len));
	else
		r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
	if (r <= 0)
		return -1;
	sb_add(&c->s->wire, c->buf + c->len, (size_t)r);
	c->len += (size_t)r;
	c->s->reads++;
	return 0;
}

/* A line with its CRLF stripped; -1 at EOF. */
static int
c_line(struct conn *c, char *line, size_t size)
{
	char *nl;
	size_t n;

	while ((nl = memchr(c->buf + c->off, '\n', c->len - c->off)) == NULL)
		if (c_fill(c) == -1)
			return -1;
	n = (size_t)(nl - (c->buf + c->off));
	if (n > 0 && nl[-1] == '\r')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(line, c->buf + c->off, n);
	line[n] = '\0';
	c->off = (size_t)(nl - c->buf) + 1;
	return 0;
}

/* 1 when more than the line just read has come (or comes in 20 ms). */
static int
c_more(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (c->off < c->len || (c->ssl != NULL && SSL_pending(c->ssl) > 0))
		return 1;
	return poll(&pfd, 1, 20) == 1;
}

/* 1 when what is buffered after the line just read holds needle. */
static int
c_ahead(struct conn *c, const char *needle)
{
	return memmem(c->buf + c->off, c->len - c->off, needle,
	    strlen(needle)) != NULL;
}

static void
c_say(struct conn *c, const char *text)
{
	size_t n = strlen(text);

	if (c->ssl != NULL)
		SSL_write(c->ssl, text, (int)n);
	else if (send(c->fd, text, n, MSG_NOSIGNAL) == -1)
		return;
}

/* Decode base64 into out (NUL-terminated, may hold NULs); its length. */
static int
b64dec(const char *in, char *out, size_t size)
{
	size_t len = strlen(in);
	int n;

	if (3 * (len / 4) + 1 > size ||
	    (n = EVP_DecodeBlock((unsigned char *)out,
	    (const unsigned char *)in, (int)len)) < 0)
		return -1;
	n -= len > 0 && in[len - 1] == '=';
	n -= len > 1 && in[len - 2] == '=';
	out[n] = '\0';
	return n;
}

/* The message's data up to ".", un-dot-stuffed, into the next slot. */
static int
srv_data(struct conn *c, const char *mail, const char *rcpt, char *reply,
    size_t size)
{
	struct srv *s = c->s;
	char line[4096];
	int k = s->nmsg < SRV_MSGS ? s->nmsg : SRV_MSGS - 1;

	sb_reset(&s->body[k]);
	for (;;) {
		if (c_line(c, line, sizeof line) == -1)
			return -1;
		if (strcmp(line, ".") == 0) {
			s->follow[k] = s->watch && c_more(c);
			break;
		}
		sb_adds(&s->body[k], line[0] == '.' ? line + 1 : line);
		sb_adds(&s->body[k], "\r\n");
	}
	snprintf(s->rcpt[k], sizeof s->rcpt[k], "%s", rcpt);
	snprintf(s->mail[k], sizeof s->mail[k], "%s", mail);
	s->nmsg++;
	if (strncmp(rcpt, "spam@", 5) == 0)
		snprintf(reply, size, "554 5.7.1 this looks like spam\r\n");
	else if (strncmp(rcpt, "lost@", 5) == 0)
		return -1;
	else
		snprintf(reply, size, "250 2.0.0 Ok: queued as Q%d\r\n",
		    s->nmsg);
	return 0;
}

static int
srv_tls(struct conn *c)
{
	c->ssl = SSL_new(c->s->ctx);
	SSL_set_fd(c->ssl, c->fd);
	if (SSL_accept(c->ssl) != 1)
		return -1;
	c->s->tls = 1;
	c->off = c->len = 0;
	return 0;
}

/* AUTH: PLAIN in one line, LOGIN in three. */
static void
srv_auth(struct conn *c, const char *arg)
{
	struct srv *s = c->s;
	char dec[256], user[128], line[512];
	int n;

	if (strncmp(arg, "PLAIN ", 6) == 0) {
		snprintf(s->mech, sizeof s->mech, "PLAIN");
		n = b64dec(arg + 6, dec, sizeof dec);
		s->auth_ok = n > 0 && dec[0] == '\0' &&
		    strcmp(dec + 1, "shop") == 0 &&
		    (size_t)n == 1 + 5 + strlen(PASSWORD) &&
		    memcmp(dec + 6, PASSWORD, strlen(PASSWORD)) == 0;
	} else if (strcmp(arg, "LOGIN") == 0) {
		snprintf(s->mech, sizeof s->mech, "LOGIN");
		c_say(c, "334 VXNlcm5hbWU6\r\n");
		if (c_line(c, line, sizeof line) == -1)
			return;
		b64dec(line, user, sizeof user);
		c_say(c, "334 UGFzc3dvcmQ6\r\n");
		if (c_line(c, line, sizeof line) == -1)
			return;
		b64dec(line, dec, sizeof dec);
		s->auth_ok = strcmp(user, "shop") == 0 &&
		    strcmp(dec, PASSWORD) == 0;
	}
	c_say(c, s->auth_ok ? "235 2.7.0 Authentication successful\r\n" :
	    "535 5.7.8 Error: authentication failed\r\n");
}

static void
srv_ehlo(struct conn *c)
{
	struct srv *s = c->s;
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "250-test.kefu\r\n");
	if (s->pipelining)
		sb_adds(&sb, "250-PIPELINING\r\n");
	sb_adds(&sb, "250-SIZE 10240000\r\n");
	if (s->starttls && c->ssl == NULL)
		sb_adds(&sb, "250-STARTTLS\r\n");
	if (s->auth != NULL)
		sb_addf(&sb, "250-AUTH %s\r\n", s->auth);
	sb_adds(&sb, s->no_utf8 ? "250 8BITMIME\r\n" :
	    "250-8BITMIME\r\n250 SMTPUTF8\r\n");
	c_say(c, sb_str(&sb));
	sb_free(&sb);
}

/* One session; returns at QUIT, EOF or a scripted close. */
static void
srv_session(struct conn *c)
{
	struct srv *s = c->s;
	char line[1024], rcpt[64] = "", reply[256], from[128] = "";
	int mail = 0, taken = 0;

	if (s->implicit && srv_tls(c) == -1)
		return;
	c_say(c, "220-test.kefu ESMTP\r\n220 kefu's scripted server\r\n");
	while (c_line(c, line, sizeof line) == 0) {
		if (!s->pipelining && c_more(c)) {
			/* lock step: sent before its reply came */
			s->early++;
			c_say(c, "503 5.5.0 command sent before the reply to "
			    "the last one\r\n");
			continue;
		}
		if (strncasecmp(line, "EHLO ", 5) == 0) {
			srv_ehlo(c);
			if (s->conns <= s->ehlo_close)
				return;
		}
		else if (strcasecmp(line, "STARTTLS") == 0 && s->starttls) {
			c_say(c, "220 2.0.0 Ready to start TLS\r\n");
			if (srv_tls(c) == -1)
				return;
		} else if (strncasecmp(line, "AUTH ", 5) == 0)
			srv_auth(c, line + 5);
		else if (strncasecmp(line, "MAIL FROM:", 10) == 0) {
			if (s->drop_at && s->conns == 1 &&
			    taken == s->drop_at)
				return;         /* as if closed while idle */
			snprintf(from, sizeof from, "%.100s", line);
			if (c_ahead(c, "RCPT TO:") && c_ahead(c, "DATA\r\n"))
				s->whole++;
			else
				s->split++;
			c_say(c, mail ? "503 5.5.1 Error: nested MAIL "
			    "command\r\n" : "250 2.1.0 Ok\r\n");
			mail = 1;
			rcpt[0] = '\0';
		} else if (strncasecmp(line, "RCPT TO:<", 9) == 0) {
			snprintf(rcpt, sizeof rcpt, "%.*s",
			    (int)strcspn(line + 9, ">"), line + 9);
			if (strncmp(rcpt, "bad@", 4) == 0) {
				c_say(c, "550-5.1.1 <bad@kefu.test>: no such "
				    "user\r\n550 5.1.1 see the staff list\r\n");
				rcpt[0] = '\0';
			} else if (strncmp(rcpt, "full@", 5) == 0) {
				c_say(c, "452 4.2.2 mailbox full\r\n");
				rcpt[0] = '\0';
			} else if (strncmp(rcpt, "bye@", 4) == 0) {
				c_say(c, "421 4.3.2 shutting down\r\n");
				return;
			} else
				c_say(c, mail ? "250 2.1.5 Ok\r\n" :
				    "503 5.5.1 Error: need MAIL command\r\n");
		} else if (strcasecmp(line, "DATA") == 0) {
			if (!mail || rcpt[0] == '\0') {
				c_say(c, "554 5.5.1 Error: no valid "
				    "recipients\r\n");
				continue;
			}
			c_say(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
			if (s->cut_data) {
				/* FIN now; the body then meets a RST */
				shutdown(c->fd, SHUT_WR);
				c->cut = 1;
				return;
			}
			if (srv_data(c, from, rcpt, reply, sizeof reply) == -1)
				return;
			c_say(c, reply);
			mail = 0;
			if (++taken == s->idle_close)
				return;
		} else if (strcasecmp(line, "RSET") == 0) {
			s->rsets++;
			mail = 0;
			c_say(c, "250 2.0.0 Ok\r\n");
		} else if (strcasecmp(line, "QUIT") == 0) {
			c_say(c, "221 2.0.0 Bye\r\n");
			return;
		} else
			c_say(c, "502 5.5.2 Error: command not recognized\r\n");
	}
}

static void *
srv_run(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
	struct conn *c;
	int fd;

	while (!atomic_load(&s->stop)) {
		if (poll(&pfd, 1, 50) != 1 ||
		    (fd = accept(s->lfd, NULL, NULL)) == -1)
			continue;
		s->conns++;
		c = xcalloc(1, sizeof *c);
		c->s = s;
		c->fd = fd;
		srv_session(c);
		if (c->ssl != NULL) {
			if (!c->cut)
				SSL_shutdown(c->ssl);
			SSL_free(c->ssl);
		}
		if (s->rst)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){
			    .l_onoff = 1, .l_linger = 0 },
			    sizeof(struct linger));
		close(fd);
		atomic_fetch_add(&s->closed, 1);
		free(c);
	}
	return NULL;
}

/* The listening socket, s->port set (no thread yet). */
static void
srv_listen(struct srv *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(s->lfd, 4) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &len) == -1) {
		printf("Bail out! no loopback socket\n");
		exit(1);
	}
	s->port = ntohs(sa.sin_port);
}

static void
srv_start(struct srv *s)
{
	srv_listen(s);
	pthread_create(&s->th, NULL, srv_run, s);
}

static void
srv_stop(struct srv *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->lfd);
}

/* What the server saw, freed. */
static void
srv_free(struct srv *s)
{
	int i;

	sb_free(&s->wire);
	for (i = 0; i < SRV_MSGS; i++)
		sb_free(&s->body[i]);
}

/* A client of s; url scheme smtp or smtps. */
static struct smtp *
client(struct srv *s, const char *scheme, const char *starttls, int verify,
    const char *password)
{
	struct smtp_opts o = { 0 };
	char url[64];

	snprintf(url, sizeof url, "%s://127.0.0.1:%d", scheme, s->port);
	o.url = url;
	o.helo = "kefu.test";
	o.starttls = starttls;
	o.tls_verify = verify;
	o.user = password != NULL ? "shop" : NULL;
	o.password = password;
	o.timeout_ms = 5000;
	return smtp_new(&o);
}

static char bodies[SRV_MSGS][128];

/* n messages to the recipients (NULL: ok1@..., ok2@...). */
static void
txns(struct smtp_txn *t, size_t n, const char *const *rcpt)
{
	static char addr[SRV_MSGS][32];
	size_t i;

	memset(t, 0, n * sizeof *t);
	for (i = 0; i < n; i++) {
		snprintf(addr[i], sizeof addr[i], "ok%zu@kefu.test", i + 1);
		snprintf(bodies[i], sizeof bodies[i], "Subject: %zu\r\n\r\n"
		    "message %zu\r\n", i + 1, i + 1);
		t[i].from = "shop@kefu.test";
		t[i].rcpt = rcpt != NULL && rcpt[i] != NULL ? rcpt[i] :
		    addr[i];
		t[i].data = bodies[i];
		t[i].len = strlen(bodies[i]);
	}
}

/* How many of the server's messages went to rcpt. */
static int
srv_count(const struct srv *s, const char *rcpt)
{
	int i, k = 0;

	for (i = 0; i < s->nmsg && i < SRV_MSGS; i++)
		k += strcmp(s->rcpt[i], rcpt) == 0;
	return k;
}

static void
test_pipelined(void)
{
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[5];
	struct smtp *c;
	int i, same = 1;

	srv_start(&s);
	c = client(&s, "smtp", "try", 0, NULL);
	txns(t, 5, NULL);
	is_int(smtp_send_many(c, t, 5), 5, "pipelined: 5 messages taken");
	ok(smtp_extensions(c) & SMTP_EXT_PIPELINING, "PIPELINING seen");
	for (i = 0; i < 5; i++)
		same &= t[i].code == 250 && !t[i].down && !t[i].unknown;
	ok(same, "each message answered 250");
	is_str(t[0].queue_id, "Q1", "queue id of the first");
	is_str(t[4].queue_id, "Q5", "queue id of the fifth");
	like(t[4].reply, "250 2.0.0 Ok: queued as Q5", "its reply");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.nmsg, 5, "the server has 5 messages");
	is_int(s.whole, 5, "every MAIL came with its RCPT and DATA");
	is_int(s.split, 0, "no envelope split across writes");
	/* EHLO, envelope, 4 x (body + next envelope), body, QUIT */
	ok(s.reads <= 5 + 3, "one read a message (%u reads)", s.reads);
	is_int(s.conns, 1, "one connection");
	ok(strstr(sb_str(&s.wire), "QUIT\r\n") != NULL, "QUIT on close");
	ok(strstr(sb_str(&s.wire), "SIZE=") != NULL &&
	    strstr(sb_str(&s.wire), "BODY=8BITMIME") != NULL,
	    "SIZE and BODY=8BITMIME when offered");
	srv_free(&s);
}

/* A refused RCPT among five, 452, 554 at the end of data. */
static void
test_refusals(int pipelining)
{
	static const char *const rc[] = { NULL, NULL, "bad@kefu.test",
	    "full@kefu.test", "spam@kefu.test", NULL };
	struct srv s = { .pipelining = pipelining };
	const char *how = pipelining ? "pipelined" : "lock step";
	struct smtp_txn t[6];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 6, rc);
	is_int(smtp_send_many(c, t, 6), 3, "%s: 3 of 6 taken", how);
	is_int(t[2].code, 550, "%s: the unknown user refused 550", how);
	like(t[2].reply, "no such user", "%s: its reply", how);
	like(t[2].reply, "see the staff list",
	    "%s: ... with its second line", how);
	is_int(t[3].code, 452, "%s: the full mailbox 452", how);
	ok(!t[3].down, "%s: ... not the server's fault", how);
	is_int(t[4].code, 554, "%s: 554 at the end of data", how);
	ok(t[0].code == 250 && t[1].code == 250 && t[5].code == 250,
	    "%s: the others 250", how);
	is_str(t[5].queue_id, "Q4", "%s: the last queued 4th", how);
	smtp_free(c);
	srv_stop(&s);
	is_int(s.nmsg, 4, "%s: the server took 4 bodies", how);
	ok(srv_count(&s, "ok1@kefu.test") == 1 &&
	    srv_count(&s, "ok2@kefu.test") == 1 &&
	    srv_count(&s, "spam@kefu.test") == 1 &&
	    srv_count(&s, "ok6@kefu.test") == 1, "%s: each once", how);
	is_int(s.rsets, 2, "%s: RSET after each refused RCPT", how);
	is_int(s.early, 0, "%s: no command before its turn", how);
	if (!pipelining)
		ok(s.reads >= 4 * 6, "lock step: a read a command (%u)",
		    s.reads);
	srv_free(&s);
}

/* 421 and a close mid-batch; the next batch on a new connection. */
static void
test_421(void)
{
	static const char *const rc[] = { NULL, NULL, "bye@kefu.test",
	    NULL, NULL };
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[5];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 5, rc);
	is_int(smtp_send_many(c, t, 5), 2, "421: 2 taken before it");
	ok(t[2].code == 421 && t[2].down, "421: that message down");
	like(t[2].reply, "shutting down", "421: the server's words");
	ok(t[3].code == 0 && t[3].down && !t[3].unknown &&
	    t[4].code == 0 && t[4].down, "421: the rest down, not sent");
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "421: next batch reconnects");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 2, "421: two connections");
	is_int(s.nmsg, 4, "421: 4 bodies, none twice");
	srv_free(&s);
}

/* Lost after a whole body: that one unknown, the rest down. */
static void
test_lost(void)
{
	static const char *const rc[] = { NULL, "lost@kefu.test", NULL };
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[3];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 3, rc);
	is_int(smtp_send_many(c, t, 3), 1, "lost: 1 taken");
	ok(t[1].code == 0 && t[1].unknown && t[1].down,
	    "lost: the message in flight unknown");
	like(t[1].reply, "closed the connection", "lost: why");
	ok(t[2].code == 0 && !t[2].unknown && t[2].down,
	    "lost: the next down, not unknown");
	smtp_free(c);
	srv_stop(&s);
	srv_free(&s);
}

/* The server closes between batches: the next one reconnects. */
static void
test_idle_close(void)
{
	struct srv s = { .pipelining = 1, .idle_close = 2 };
	struct smtp_txn t[2];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "idle: first batch");
	ok(tap_wait(atomic_load(&s.closed) == 1, 5000), "idle: closed");
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2,
	    "idle: closed by the server, the next batch goes all the same");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 2, "idle: on a new connection");
	srv_free(&s);
}

/*
 * The server drops the connection kefu keeps between batches (FIN or
 * RST) but only when the next batch's first MAIL comes: the batch goes
 * again, whole, on a new connection; each message once, in order.
 */
static void
test_redo_reused(int rst)
{
	static const char *const rc[] = { "b1@kefu.test", "b2@kefu.test",
	    "b3@kefu.test" };
	struct srv s = { .pipelining = 1, .drop_at = 2, .rst = rst };
	const char *how = rst ? "RST" : "FIN";
	struct smtp_txn t[3];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "redo %s: first batch", how);
	txns(t, 3, rc);
	is_int(smtp_send_many(c, t, 3), 3, "redo %s: dropped at the next "
	    "MAIL, the batch goes all the same", how);
	ok(t[0].code == 250 && t[1].code == 250 && t[2].code == 250 &&
	    !t[0].down && !t[1].down && !t[2].down && !t[0].unknown,
	    "redo %s: each answered 250", how);
	ok(strcmp(t[0].queue_id, "Q3") == 0 &&
	    strcmp(t[1].queue_id, "Q4") == 0 &&
	    strcmp(t[2].queue_id, "Q5") == 0, "redo %s: queued in order "
	    "(%s %s %s)", how, t[0].queue_id, t[1].queue_id, t[2].queue_id);
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 2, "redo %s: on a second connection", how);
	is_int(s.nmsg, 5, "redo %s: the server has 5 messages", how);
	ok(srv_count(&s, "b1@kefu.test") == 1 &&
	    srv_count(&s, "b2@kefu.test") == 1 &&
	    srv_count(&s, "b3@kefu.test") == 1 &&
	    strcmp(s.rcpt[2], "b1@kefu.test") == 0 &&
	    strcmp(s.rcpt[4], "b3@kefu.test") == 0,
	    "redo %s: none twice, none lost, in order", how);
	srv_free(&s);
}

/*
 * A new connection closed (FIN or RST) after the greeting and EHLO,
 * before the first MAIL: nothing can have been taken, so the batch goes
 * once more on another; a server that always does it gets two tries.
 */
static void
test_redo_ehlo(int rst)
{
	struct srv s = { .pipelining = 1, .ehlo_close = 1, .rst = rst };
	const char *how = rst ? "RST" : "FIN";
	struct smtp_txn t[3];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 3, NULL);
	is_int(smtp_send_many(c, t, 3), 3, "closed after EHLO (%s): the "
	    "batch goes on a second connection", how);
	ok(strcmp(t[0].queue_id, "Q1") == 0 &&
	    strcmp(t[2].queue_id, "Q3") == 0 && !t[0].unknown,
	    "closed after EHLO (%s): in order", how);
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 2, "closed after EHLO (%s): two connections", how);
	is_int(s.nmsg, 3, "closed after EHLO (%s): each once", how);
	srv_free(&s);

	memset(&s, 0, sizeof s);
	s.pipelining = 1;
	s.ehlo_close = 99;
	s.rst = rst;
	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 3, NULL);
	is_int(smtp_send_many(c, t, 3), 0, "always closed after EHLO (%s): "
	    "none taken", how);
	ok(t[0].code == 0 && t[0].down && !t[0].unknown && t[2].down &&
	    !t[2].unknown, "always closed after EHLO (%s): down, to be sent "
	    "later", how);
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 2, "always closed after EHLO (%s): tried twice", how);
	is_int(s.nmsg, 0, "always closed after EHLO (%s): nothing taken",
	    how);
	srv_free(&s);
}

/* A message of about size bytes (CRLF lines of 78). */
static char *
big_message(size_t size)
{
	struct strbuf sb = STRBUF_INIT;

	sb_adds(&sb, "Subject: big\r\n\r\n");
	while (sb.len < size)
		sb_adds(&sb, "0123456789012345678901234567890123456789"
		    "012345678901234567890123456789012345\r\n");
	return sb_steal(&sb);
}

/*
 * The server answers DATA 354, then closes (FIN) and resets the body
 * that follows: in a child with SIGPIPE at its default disposition
 * (as in `kefu outbox`), the body's write must end in an outcome, not
 * death; the message was cut short, so it is down, not unknown.
 */
static void
test_cut(SSL_CTX *ctx)
{
	struct srv s = { .pipelining = 1, .cut_data = 1 };
	const char *how = ctx != NULL ? "smtps" : "smtp";
	struct smtp_txn t[2];
	struct smtp *c;
	char *big;
	pid_t pid;
	int st = 0, bad;

	s.implicit = ctx != NULL;
	s.ctx = ctx;
	/* fork before the server's thread: a child forked while another
	   thread holds the allocator's lock (ASan's) would hang */
	srv_listen(&s);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);
		c = client(&s, how, "no", 0, NULL);
		txns(t, 2, NULL);
		big = big_message(4u << 20);
		t[0].data = big;
		t[0].len = strlen(big);
		bad = smtp_send_many(c, t, 2) != 0;
		bad |= (t[0].code != 0 || !t[0].down) << 1;
		bad |= t[0].unknown << 2;
		bad |= (!t[1].down || t[1].unknown) << 3;
		bad |= (strstr(t[0].reply, "lost while writing") == NULL) << 4;
		smtp_free(c);
		free(big);
		_exit(bad);
	}
	pthread_create(&s.th, NULL, srv_run, &s);
	while (waitpid(pid, &st, 0) == -1)
		;
	srv_stop(&s);
	ok(WIFEXITED(st), "%s: closed mid-DATA with SIGPIPE at its default: "
	    "an outcome, not death (%s %d)", how, WIFSIGNALED(st) ?
	    "killed by signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) :
	    WEXITSTATUS(st));
	ok(WIFEXITED(st) && (WEXITSTATUS(st) & ~4) == 0, "%s: the message "
	    "and the next down, the cause said (%d)", how,
	    WEXITSTATUS(st));
	ok(WIFEXITED(st) && (WEXITSTATUS(st) & 4) == 0, "%s: cut short, "
	    "so not unknown (it can be sent again)", how);
	srv_free(&s);
}

/*
 * A batch bigger than one part: the e-mail transport (mail.c) composes
 * and sends about 4 MB at a time.  Five messages of 1.5 MB through it,
 * one refused at the end of data in the first part, one at RCPT in the
 * second: each sent once, in order, each outcome its own; the first
 * part ends after the third message (nothing follows its end of data).
 */
static void
test_parts(void)
{
	static const char *const to[] = { "ok1@kefu.test", "spam@kefu.test",
	    "ok3@kefu.test", "bad@kefu.test", "ok5@kefu.test" };
	struct srv s = { .pipelining = 1, .watch = 1 };
	struct store_msg m[5];
	struct msg_result r[5];
	struct msg_env env = { 0 };
	struct conf *cfg = NULL;
	void *st = NULL;
	char *text, *cause = NULL, *big, subj[5][16];
	size_t i;

	srv_start(&s);
	text = xasprintf("[email]\nurl = smtp://127.0.0.1:%d\n"
	    "from = shop@kefu.test\nstarttls = no\n", s.port);
	if (conf_parse("/tmp/kefu-smtp-test.conf", text, &cfg, &cause) ==
	    -1 || (env.cfg = cfg, msg_mail_ops.open(&env, &st, &cause)) ==
	    -1) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
	free(text);
	big = big_message(1536u << 10);
	memset(m, 0, sizeof m);
	for (i = 0; i < 5; i++) {
		snprintf(subj[i], sizeof subj[i], "part test %zu", i + 1);
		m[i].id = (int64_t)i + 1;
		m[i].channel = (char *)"email";
		m[i].recipient = (char *)to[i];
		m[i].subject = subj[i];
		m[i].body = big;
		m[i].msg_class = (char *)"transactional";
		m[i].attempts = 1;
		m[i].max_attempts = 3;
		m[i].parts = 1;
	}
	msg_mail_ops.send_many(st, m, 5, NULL, 0, r);
	msg_mail_ops.close(st);
	conf_free(cfg);
	free(big);
	srv_stop(&s);
	ok(r[0].outcome == MSG_SENT && strcmp(r[0].remote_id, "Q1") == 0 &&
	    r[2].outcome == MSG_SENT && strcmp(r[2].remote_id, "Q3") == 0 &&
	    r[4].outcome == MSG_SENT && strcmp(r[4].remote_id, "Q4") == 0,
	    "parts: 1, 3 and 5 sent, queued in order (%s %s %s)",
	    r[0].remote_id, r[2].remote_id, r[4].remote_id);
	ok(r[1].outcome == MSG_PERMFAIL && !r[1].down &&
	    strncmp(r[1].detail, "554", 3) == 0,
	    "parts: 2 refused at its end of data, its own (%s)", r[1].detail);
	ok(r[3].outcome == MSG_PERMFAIL && !r[3].down &&
	    strncmp(r[3].detail, "550", 3) == 0,
	    "parts: 4 refused at RCPT in the second part (%s)", r[3].detail);
	is_int(s.nmsg, 4, "parts: the server took 4 bodies");
	ok(strcmp(s.rcpt[0], to[0]) == 0 && strcmp(s.rcpt[1], to[1]) == 0 &&
	    strcmp(s.rcpt[2], to[2]) == 0 && strcmp(s.rcpt[3], to[4]) == 0,
	    "parts: in order, none twice");
	ok(strstr(sb_str(&s.body[3]), "Subject: part test 5") != NULL &&
	    s.body[3].len > (1536u << 10), "parts: the last whole (%zu)",
	    s.body[3].len);
	ok(s.follow[0] && s.follow[1] && !s.follow[2] && !s.follow[3],
	    "parts: two parts, the first of three messages (%d%d%d%d)",
	    s.follow[0], s.follow[1], s.follow[2], s.follow[3]);
	is_int(s.conns, 1, "parts: one connection");
	srv_free(&s);
}

/*
 * Addresses beyond ASCII (RFC 6531).  A server offering SMTPUTF8 gets
 * them as they are, MAIL FROM saying SMTPUTF8 (only for those); one
 * without it gets the domain in A-labels, and a name before the @
 * beyond ASCII is refused for that message alone, saying why.
 */
static void
test_utf8(void)
{
	static const char *const rc[] = { "王芳@例子.中国", "ok2@kefu.test",
	    "wang@例子.中国", "王芳@kefu.test", "ok5@kefu.test", "x@\xff.cn" };
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[6];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 3, rc);
	t[2].from = "商店@kefu.test";
	is_int(smtp_send_many(c, t, 3), 3, "SMTPUTF8 offered: all taken");
	ok(smtp_extensions(c) & SMTP_EXT_SMTPUTF8, "SMTPUTF8 seen");
	smtp_free(c);
	srv_stop(&s);
	is_str(s.rcpt[0], "王芳@例子.中国", "SMTPUTF8: the address as it is");
	is_str(s.mail[0], "MAIL FROM:<shop@kefu.test> SIZE=25 BODY=8BITMIME "
	    "SMTPUTF8",
	    "SMTPUTF8: MAIL FROM says SMTPUTF8");
	ok(strstr(s.mail[1], "SMTPUTF8") == NULL,
	    "SMTPUTF8: not for an ASCII message (%s)", s.mail[1]);
	is_str(s.mail[2], "MAIL FROM:<商店@kefu.test> SIZE=25 BODY=8BITMIME "
	    "SMTPUTF8",
	    "SMTPUTF8: a sender beyond ASCII too");
	srv_free(&s);

	memset(&s, 0, sizeof s);
	s.pipelining = 1;
	s.no_utf8 = 1;
	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 6, rc);
	is_int(smtp_send_many(c, t, 6), 3, "no SMTPUTF8: 3 of 6 taken");
	ok(t[0].code == 553 && !t[0].down && t[3].code == 553 &&
	    !t[3].down, "no SMTPUTF8: a name beyond ASCII refused for good");
	is_str(t[3].reply, "kefu: the server does not offer SMTPUTF8, needed "
	    "for 王芳@kefu.test (a name before the @ beyond ASCII)",
	    "no SMTPUTF8: ... saying why");
	ok(t[5].code == 553 && strstr(t[5].reply, "no valid international "
	    "domain name") != NULL, "no SMTPUTF8: a domain not UTF-8 refused");
	ok(t[1].code == 250 && t[2].code == 250 && t[4].code == 250,
	    "no SMTPUTF8: the others taken");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.nmsg, 3, "no SMTPUTF8: the server has 3");
	is_str(s.rcpt[1], "wang@xn--fsqu00a.xn--fiqs8s",
	    "no SMTPUTF8: an international domain in A-labels");
	ok(strstr(sb_str(&s.wire), "SMTPUTF8") == NULL &&
	    strstr(sb_str(&s.wire), "王芳") == NULL,
	    "no SMTPUTF8: neither SMTPUTF8 nor the refused name sent");
	srv_free(&s);
}

static void
test_dots(void)
{
	static const char data[] = "Subject: dots\r\n\r\n.hidden\r\n"
	    "..two\r\n.\r\nbare LF\nlast line without end";
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[1];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 1, NULL);
	t[0].data = data;
	t[0].len = sizeof data - 1;
	is_int(smtp_send_many(c, t, 1), 1, "dots: taken");
	smtp_free(c);
	srv_stop(&s);
	ok(strstr(sb_str(&s.wire), "\r\n..hidden\r\n...two\r\n..\r\n") !=
	    NULL, "dots: stuffed on the wire");
	is_str(sb_str(&s.body[0]), "Subject: dots\r\n\r\n.hidden\r\n"
	    "..two\r\n.\r\nbare LF\r\nlast line without end\r\n",
	    "dots: the server reads the message back whole");
	srv_free(&s);
}

static void
test_auth(const char *mechs, const char *want)
{
	struct srv s = { .pipelining = 1, .auth = mechs };
	struct smtp_txn t[2];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, PASSWORD);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "AUTH %s: sent", mechs);
	smtp_free(c);
	srv_stop(&s);
	is_str(s.mech, want, "AUTH %s: %s used", mechs, want);
	ok(s.auth_ok, "AUTH %s: user and password right", mechs);
	srv_free(&s);
}

/* A wrong password: every message down, the password nowhere. */
static void
test_auth_refused(void)
{
	struct srv s = { .pipelining = 1, .auth = "LOGIN PLAIN" };
	struct smtp_txn t[2];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, "wrong-" PASSWORD);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 0, "bad password: nothing sent");
	ok(t[0].down && t[1].down, "bad password: down");
	like(t[0].reply, "refused the [email] user and password",
	    "bad password: the cause");
	like(t[0].reply, "535 5.7.8", "bad password: the server's reply");
	ok(strstr(t[0].reply, PASSWORD) == NULL &&
	    strstr(t[0].reply, "AHNob3A") == NULL &&
	    strstr(t[0].reply, "d3JvbmctczNjcmV0") == NULL,
	    "bad password: the password not in the cause");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.nmsg, 0, "bad password: the server has nothing");
	srv_free(&s);
}

/* A self-signed certificate in dir; 0 when openssl made one. */
static int
make_cert(const char *dir)
{
	char *cmd = xasprintf("openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
	    "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1", dir, dir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

static void
test_tls(const char *dir)
{
	struct srv s = { .pipelining = 1, .starttls = 1, .auth = "PLAIN" };
	struct smtp_txn t[2];
	struct smtp *c;
	char *cert = xasprintf("%s/cert.pem", dir);
	char *key = xasprintf("%s/key.pem", dir);

	s.ctx = SSL_CTX_new(TLS_server_method());
	if (SSL_CTX_use_certificate_file(s.ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(s.ctx, key, SSL_FILETYPE_PEM) != 1) {
		printf("Bail out! cannot load %s\n", cert);
		exit(1);
	}
	srv_start(&s);
	c = client(&s, "smtp", "yes", 0, PASSWORD);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "STARTTLS, tls-verify off: sent");
	ok(smtp_tls(c), "STARTTLS: over TLS");
	smtp_free(c);
	ok(s.tls && s.auth_ok, "STARTTLS: the server saw TLS, then AUTH");
	ok(strstr(sb_str(&s.wire), "MAIL FROM") == NULL ||
	    strstr(sb_str(&s.wire), "STARTTLS") <
	    strstr(sb_str(&s.wire), "MAIL FROM"), "STARTTLS before MAIL");

	c = client(&s, "smtp", "yes", 1, PASSWORD);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 0, "tls-verify on: nothing sent");
	ok(t[0].down && t[1].down, "tls-verify on: down");
	like(t[0].reply, "certificate was not accepted",
	    "tls-verify on: a clear cause");
	like(t[0].reply, "tls-verify", "tls-verify on: ... naming the setting");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.nmsg, 2, "TLS: the server has 2 messages");

	srv_free(&s);
	SSL_CTX_free(s.ctx);
	/* smtps://: TLS from the start */
	memset(&s, 0, sizeof s);
	s.pipelining = 1;
	s.implicit = 1;
	s.ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate_file(s.ctx, cert, SSL_FILETYPE_PEM);
	SSL_CTX_use_PrivateKey_file(s.ctx, key, SSL_FILETYPE_PEM);
	srv_start(&s);
	c = client(&s, "smtps", "no", 0, NULL);
	txns(t, 2, NULL);
	is_int(smtp_send_many(c, t, 2), 2, "smtps: sent");
	ok(smtp_tls(c), "smtps: over TLS");
	smtp_free(c);
	srv_stop(&s);
	test_cut(s.ctx);
	SSL_CTX_free(s.ctx);
	free(cert);
	free(key);
	srv_free(&s);
}

/* starttls = yes and none offered; nobody listening. */
static void
test_no_tls(void)
{
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[1];
	struct smtp *c;
	int port;

	srv_start(&s);
	c = client(&s, "smtp", "yes", 1, NULL);
	txns(t, 1, NULL);
	is_int(smtp_send_many(c, t, 1), 0, "starttls = yes, not offered");
	ok(t[0].down, "... down");
	like(t[0].reply, "does not offer STARTTLS", "... says why");
	smtp_free(c);
	port = s.port;
	srv_stop(&s);
	s.port = port;
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 1, NULL);
	is_int(smtp_send_many(c, t, 1), 0, "nobody listening: nothing sent");
	ok(t[0].down && t[0].code == 0, "... down");
	like(t[0].reply, "cannot connect", "... says why");
	smtp_free(c);
	srv_free(&s);
}

/* An address that would break the command line is refused here. */
static void
test_bad_addr(void)
{
	static const char *const rc[] = { "x@kefu.test>\r\nRCPT TO:<y@x" };
	struct srv s = { .pipelining = 1 };
	struct smtp_txn t[1];
	struct smtp *c;

	srv_start(&s);
	c = client(&s, "smtp", "no", 0, NULL);
	txns(t, 1, rc);
	is_int(smtp_send_many(c, t, 1), 0, "bad address: not sent");
	ok(t[0].code == 553 && !t[0].down, "bad address: refused for good");
	smtp_free(c);
	srv_stop(&s);
	is_int(s.conns, 0, "bad address: nothing to send, no connection");
	srv_free(&s);
}

int
main(void)
{
	char dir[] = "/tmp/kefu-smtp-XXXXXX";
	char *cmd;

	signal(SIGPIPE, SIG_IGN);
	test_pipelined();
	test_refusals(1);
	test_refusals(0);
	test_421();
	test_lost();
	test_idle_close();
	test_redo_reused(0);
	test_redo_reused(1);
	test_redo_ehlo(0);
	test_redo_ehlo(1);
	test_cut(NULL);
	test_dots();
	test_parts();
	test_utf8();
	test_auth("PLAIN LOGIN", "PLAIN");
	test_auth("LOGIN", "LOGIN");
	test_auth_refused();
	test_no_tls();
	test_bad_addr();
	if (mkdtemp(dir) != NULL && make_cert(dir) == 0)
		test_tls(dir);
	else
		ok(0, "openssl made a self-signed certificate");
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	free(cmd);
	return tap_done();
}
