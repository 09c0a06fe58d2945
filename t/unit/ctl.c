/* Unit tests for src/ctl: the control socket protocol, both ends. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "../tap.h"

static int
handler(const char *req, struct strbuf *reply, char **cause, void *arg)
{
	int *count = arg;

	(*count)++;
	if (strcmp(req, "status") == 0) {
		sb_adds(reply, "line 1: idle\nline 2: in call\n");
		return 0;
	}
	if (strcmp(req, "reload") == 0)
		return kf_error(cause, "flows/main.xml:3: unknown target");
	return kf_error(cause, "unknown request '%s'", req);
}

int
main(void)
{
	struct ctl_server *srv = NULL;
	char path[64], *reply = NULL, *cause = NULL;
	int count = 0, fd;
	struct sockaddr_un sun;

	snprintf(path, sizeof path, "/tmp/kefu-ctl-%ld.sock", (long)getpid());
	ok(ctl_listen(path, handler, &count, &srv, &cause) == 0,
	    "server listens");
	ok(ctl_request(path, "status", 2000, &reply, &cause) == 0,
	    "status answered ok");
	is_str(reply, "line 1: idle\nline 2: in call\n",
	    "answer body without the status line");
	free(reply);
	ok(ctl_request(path, "reload", 2000, &reply, &cause) == -1,
	    "an error answer is a failure");
	is_str(cause, "flows/main.xml:3: unknown target",
	    "the reason reaches the client");
	free(reply);
	free(cause);
	cause = NULL;
	ok(ctl_request(path, "frobnicate", 2000, &reply, &cause) == -1,
	    "unknown request refused");
	like(cause, "unknown request 'frobnicate'", "says which");
	free(reply);
	free(cause);
	cause = NULL;

	/* A client that connects and says nothing must not wedge the server. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	ok(connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "silent client connects");
	close(fd);
	ok(ctl_request(path, "status", 4000, &reply, &cause) == 0,
	    "server still answers after a silent client");
	free(reply);

	/* A second server on the same live socket is refused. */
	{
		struct ctl_server *two = NULL;

		ok(ctl_listen(path, handler, &count, &two, &cause) == -1,
		    "second kefud on a live socket refused");
		like(cause, "another kefud is running", "says why");
		free(cause);
		cause = NULL;
	}
	is_int(count, 4, "handler ran once per complete request");
	ctl_close(srv);
	ok(access(path, F_OK) == -1, "socket file removed on close");
	ok(ctl_request(path, "status", 1000, &reply, &cause) == -1,
	    "no daemon: clear error");
	like(cause, "is kefud running?", "error tells what to check");
	free(cause);
	return tap_done();
}
