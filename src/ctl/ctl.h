/*
 * ctl: the control socket of kefud.  A UNIX stream socket that takes one
 * request line ("status", "reload", ...) per connection and answers with
 * text lines, the last of which is "ok" or "error: reason".  kefud owns
 * the server; `kefu status` and `kefu reload` are clients.  ctl knows no
 * command meanings: the daemon registers one handler.  Depends on util.
 */
#ifndef KEFU_CTL_H
#define KEFU_CTL_H

#include "util/util.h"

/*
 * Called on the server's thread for each request.  Append the answer to
 * reply (lines ending in '\n') and return 0 for "ok", or -1 with a
 * malloc'd reason in *cause for "error: reason".
 */
typedef int ctl_handler_h(const char *request, struct strbuf *reply,
    char **cause, void *arg);

struct ctl_server;

/*
 * Listen on path (an existing stale socket is replaced; a live one is an
 * error: another kefud runs) and serve requests on a thread of its own,
 * every connection at once: each must send its request and read the
 * answer within 2 s, and a user holding 16 connections (128 in all)
 * loses the oldest to a new one.  A reason of several lines (a refused
 * reload) reaches the client whole.
 */
int ctl_listen(const char *path, ctl_handler_h *handler, void *arg,
    struct ctl_server **out, char **cause);
/* Stop serving, remove the socket file. */
void ctl_close(struct ctl_server *srv);

/*
 * Client: send one request and collect the answer (without the final
 * status line) in *reply.  Returns 0 on "ok", -1 with *cause on "error:"
 * or when kefud cannot be reached (the message says what to check).
 */
int ctl_request(const char *path, const char *request, int timeout_ms,
    char **reply, char **cause);

#endif
