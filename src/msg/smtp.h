/*
 * smtp.h: kefu's own SMTP client (RFC 5321) for the e-mail transport:
 * one connection kept open between batches, EHLO, STARTTLS (RFC 3207)
 * or TLS from the start (smtps://) with OpenSSL, AUTH PLAIN or LOGIN
 * (RFC 4954), and transactions given as bytes, pipelined (RFC 2920) when
 * the server offers PIPELINING: a message's body goes in the same write
 * as the next message's MAIL, RCPT and DATA, so a message costs one wait
 * for the server.  Without PIPELINING the same transactions go in lock
 * step.  Every message gets its own outcome.  Addresses beyond ASCII
 * (RFC 6531): as they are with SMTPUTF8 when the server offers it, else
 * the domain as IDNA A-labels (punycode) and a name before the @ beyond
 * ASCII refused for that message alone (553).  Nothing here logs; the
 * password is in no reply, cause or log.
 */
#ifndef KEFU_SMTP_H
#define KEFU_SMTP_H

#include <stddef.h>

/* Where and how to connect (strings copied by smtp_new). */
struct smtp_opts {
	const char *url;        /* smtp://HOST:PORT, smtps://HOST:PORT */
	const char *helo;       /* the EHLO name; NULL: "localhost" */
	const char *starttls;   /* "no", "try", "yes"; NULL: "no" */
	int tls_verify;         /* 1: the certificate and host name */
	const char *user;       /* AUTH; NULL: none */
	const char *password;
	int timeout_ms;         /* connecting, and each wait for a reply */
};

/* One message: in, the envelope and bytes; out, what became of it. */
struct smtp_txn {
	const char *from;       /* MAIL FROM address, without <> */
	const char *rcpt;       /* RCPT TO address */
	const char *data;       /* the whole RFC 5322 message, CRLF lines
				   (bare LF taken too), not dot-stuffed */
	size_t len;
	/* out */
	int code;               /* the reply that decided: 250 taken, 4xx
				   or 5xx refused (MAIL, RCPT, DATA or end
				   of data); 0 when none came */
	char reply[400];        /* that reply, or why none came */
	char queue_id[128];     /* from "250 ... queued as ID", or "" */
	int down;               /* 1: the server could not be reached or
				   was lost (code 0, or 421): not this
				   message's fault */
	int unknown;            /* 1: its whole body was written and the
				   reply to it lost: it may have gone */
};

struct smtp;

/* A client; it connects at the first smtp_send_many. */
struct smtp *smtp_new(const struct smtp_opts *o);
/*
 * Send the n transactions t on the open connection, or a new one (also
 * when the server closed the last one between batches).  Fills the out
 * fields of each; returns how many were taken (code 2xx).
 */
size_t smtp_send_many(struct smtp *s, struct smtp_txn *t, size_t n);
/* QUIT, close, free (NULL is fine). */
void smtp_free(struct smtp *s);

/* What the server offered in its last EHLO (for tests and logs). */
#define SMTP_EXT_PIPELINING     0x01
#define SMTP_EXT_STARTTLS       0x02
#define SMTP_EXT_8BITMIME       0x04
#define SMTP_EXT_SIZE           0x08
#define SMTP_EXT_AUTH_PLAIN     0x10
#define SMTP_EXT_AUTH_LOGIN     0x20
#define SMTP_EXT_SMTPUTF8       0x40    /* RFC 6531 */
unsigned smtp_extensions(const struct smtp *s);
/* 1 while connected over TLS. */
int smtp_tls(const struct smtp *s);

#endif
