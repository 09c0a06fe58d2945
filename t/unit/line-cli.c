/*
 * line-cli.c: `kefu modem` as a support desk runs it -- probe against the
 * simulator (identity, family, formats, labels, settings), exit status
 * 0 / 1 / 2 for success, a missing device and usage errors, --help, and
 * `kefu modem list`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util/util.h"
#include "../sim/modemsim.h"
#include "../tap.h"

/* Run kefu with args; output in *out; returns the exit status. */
static int
kefu(const char *args, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *dir = getenv("KEFU_BUILDDIR");
	char buf[512], *cmd;
	FILE *fp;
	size_t n;
	int st;

	cmd = xasprintf("%s/kefu %s 2>&1", dir ? dir : ".", args);
	fp = popen(cmd, "r");
	free(cmd);
	if (fp == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sb_add(&sb, buf, n);
	st = pclose(fp);
	*out = sb_steal(&sb);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
main(void)
{
	struct msim_opts o = { .family = MSIM_CONEXANT, .fast = 1 };
	struct msim *sim;
	char *cause = NULL, *out, *args;

	if (msim_start(&o, &sim, &cause) == -1)
		tap_skip_all("no pty for the simulator");
	args = xasprintf("modem probe %s", msim_path(sim));
	is_int(kefu(args, &out), 0, "probe: exit 0");
	like(out, "family: conexant (ATI answered 56000", "family and why");
	like(out, "ATI3     CX93001", "identity");
	like(out, "1,\"UNSIGNED PCM\",8,0,(8000),(0),(0)", "formats offered");
	like(out, "1,\"T\",0B8433C1", "line labels");
	like(out, "8-bit unsigned linear at 8000 samples/s "
	    "(AT+VSM=1,8000,0,0)", "format kefu would use");
	like(out, "in kefu (+VSD is ignored)", "silence detection note");
	free(out);
	free(args);
	args = xasprintf("modem probe -F usr -s 57600 -x none %s",
	    msim_path(sim));
	is_int(kefu(args, &out), 0, "probe with a forced family");
	like(out, "family: usr (forced in kefu.conf)", "forced family");
	like(out, "57600 bit/s, flow control none", "speed and flow shown");
	free(out);
	free(args);
	msim_stop(sim);

	is_int(kefu("modem probe /dev/kefu-no-such-modem", &out), 1,
	    "missing device: exit 1");
	like(out, "No such file", "says why");
	free(out);
	is_int(kefu("modem probe", &out), 2, "no device: exit 2");
	free(out);
	is_int(kefu("modem probe -F zyxel /dev/x", &out), 2,
	    "unknown family: exit 2");
	free(out);
	is_int(kefu("modem probe -s fast /dev/x", &out), 2,
	    "bad speed: exit 2");
	free(out);
	is_int(kefu("modem frob", &out), 2, "unknown subcommand: exit 2");
	free(out);
	is_int(kefu("modem --help", &out), 0, "--help: exit 0");
	like(out, "kefu modem probe", "usage shown");
	free(out);
	is_int(kefu("modem list", &out), 0, "list: exit 0");
	free(out);
	return tap_done();
}
