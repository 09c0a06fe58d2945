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
 * malloc'd reason in *cause for "error: reason".  A request that takes
 * long (a reload) must not run here -- every other client would wait
 * for it: take it with ctl_defer, start the work elsewhere and return
 * CTL_DEFERRED; the answer goes to the client when ctl_done is called.
 */
typedef int ctl_handler_h(const char *request, struct strbuf *reply,
    char **cause, void *arg);

#define CTL_DEFERRED 1  /* the handler took the request: see ctl_defer */

struct ctl_server;
struct ctl_defer;

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
/*
 * Stop serving, remove the socket file.  Waits for the requests taken
 * with ctl_defer to be done (ctl_done), so finish or refuse them first.
 */
void ctl_close(struct ctl_server *srv);

/*
 * Only from the handler, on the server's thread: the request being
 * handled is answered later, by ctl_done, from any thread (the handler
 * then returns CTL_DEFERRED).  Meanwhile the server serves the other
 * clients, and this one waits for its answer without the request
 * deadline.
 */
struct ctl_defer *ctl_defer(struct ctl_server *srv);
/*
 * The answer of a deferred request: reply (lines ending in '\n', or
 * NULL), then "ok" when rc is 0, else the reason cause (taken over,
 * may be NULL) as "error: " lines.  d is freed; a client gone meanwhile
 * gets nothing.
 */
void ctl_done(struct ctl_defer *d, int rc, const char *reply, char *cause);

/*
 * Client: send one request and collect the answer (without the final
 * status line) in *reply.  Returns 0 on "ok", -1 with *cause on "error:"
 * or when kefud cannot be reached (the message says what to check).
 */
int ctl_request(const char *path, const char *request, int timeout_ms,
    char **reply, char **cause);

#endif
