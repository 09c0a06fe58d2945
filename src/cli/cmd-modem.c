/*
 * cmd-modem.c: `kefu modem list` (every serial device with its USB ids
 * and description) and `kefu modem probe DEVICE` (identity, family,
 * AT+VSM=? formats, AT+VLS=? labels and the settings kefu would use) --
 * a support desk's first tools.  The device is opened directly, so stop
 * kefud's line on it first.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "line/line.h"
#include "port/port.h"
#include "util/util.h"

static void
cmd_modem_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu modem list\n"
	    "       kefu modem probe [-F family] [-s speed] [-x flow] "
	    "DEVICE\n"
	    "       kefu modem probe -l LINE\n"
	    "DEVICE is /dev/ttyACM0, a pty, or tcp:HOST:PORT; -l takes the "
	    "device\nand settings of [line LINE] in kefu.conf.  "
	    "See kefu-modems(7).\n");
}

static int
cmd_modem_list(void)
{
	struct port_info *list;
	char *cause = NULL;
	size_t i, n;

	if (port_list(&list, &n, &cause) == -1) {
		fprintf(stderr, "kefu modem list: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	if (n == 0)
		printf("no serial devices found\n");
	for (i = 0; i < n; i++) {
		if (list[i].usb_vid >= 0)
			printf("%-16s usb %04x:%04x  %s", list[i].name,
			    (unsigned)list[i].usb_vid,
			    (unsigned)list[i].usb_pid, list[i].description);
		else
			printf("%-16s %-13s  %s", list[i].name,
			    list[i].transport, list[i].description);
		if (*list[i].manufacturer != '\0' || *list[i].serial != '\0')
			printf(" (%s%s%s)", list[i].manufacturer,
			    *list[i].serial != '\0' ? " serial " : "",
			    list[i].serial);
		printf("\n");
	}
	port_list_free(list, n);
	return CLI_OK;
}

/* Print a multi-line reply indented, or "(refused)". */
static void
cmd_modem_block(const char *title, const char *text)
{
	const char *p = text, *nl;

	if (title != NULL)
		printf("%s\n", title);
	if (*text == '\0') {
		printf("  (refused or empty)\n");
		return;
	}
	while (*p != '\0') {
		nl = strchr(p, '\n');
		printf("  %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

/* The first line of a reply, for the identity summary. */
static void
cmd_modem_first(const char *label, const char *text)
{
	printf("  %-8s %.*s\n", label, (int)strcspn(text, "\n"),
	    *text ? text : "(refused)");
}

static const char *const cmd_modem_encs[] = {
	[AUDIO_U8] = "8-bit unsigned linear",
	[AUDIO_ULAW] = "G.711 u-law",
	[AUDIO_ALAW] = "G.711 A-law",
	[AUDIO_S16LE] = "16-bit signed linear",
};

static int
cmd_modem_probe(const struct conf_line *cl, const char *dev)
{
	struct modem_probe mp;
	char *cause = NULL;

	if (modem_probe(cl, dev, &mp, &cause) == -1) {
		fprintf(stderr, "kefu modem probe: %s\n", cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("device: %s\n", dev);
	printf("identity:\n");
	cmd_modem_first("ATI", mp.ati);
	cmd_modem_first("ATI3", mp.ati3);
	cmd_modem_first("+FMI", mp.fmi);
	printf("family: %s (%s)\n", mp.family, mp.family_why);
	cmd_modem_block("formats offered (AT+VSM=?):", mp.vsm);
	cmd_modem_block("line labels (AT+VLS=?):", mp.vls);
	printf("kefu would use:\n");
	printf("  audio: %s at %u samples/s (%s)\n",
	    (size_t)mp.fmt.enc < nitems(cmd_modem_encs) ?
	    cmd_modem_encs[mp.fmt.enc] : "?", mp.fmt.rate, mp.vsm_cmd);
	printf("  port: %d bit/s, flow control %s\n", cl->speed,
	    cl->flow_control);
	cmd_modem_block(NULL, mp.settings);
	modem_probe_free(&mp);
	return CLI_OK;
}

static int
cmd_modem_probe_main(int argc, char **argv)
{
	char family[32] = "auto", flow[16] = "rtscts", *end;
	const char *line = NULL;
	struct conf_line cl;
	struct conf *conf;
	size_t i;
	long speed = 115200;
	int ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "F:l:s:x:")) != -1) {
		switch (ch) {
		case 'F':
			snprintf(family, sizeof family, "%s", optarg);
			break;
		case 'l':
			line = optarg;
			break;
		case 's':
			speed = strtol(optarg, &end, 10);
			if (*end != '\0' || speed < 1200 || speed > 921600) {
				fprintf(stderr, "kefu modem probe: bad speed "
				    "'%s'\n", optarg);
				return CLI_USAGE;
			}
			break;
		case 'x':
			snprintf(flow, sizeof flow, "%s", optarg);
			break;
		default:
			cmd_modem_usage(stderr);
			return CLI_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if ((line == NULL) == (argc != 1) || argc > 1) {
		cmd_modem_usage(stderr);
		return CLI_USAGE;
	}
	if (line != NULL) {
		if ((conf = cli_conf()) == NULL)
			return CLI_FAIL;
		for (i = 0; i < conf->nlines; i++)
			if (strcmp(conf->lines[i].name, line) == 0)
				break;
		if (i == conf->nlines || conf->lines[i].device == NULL) {
			fprintf(stderr, "kefu modem probe: no modem [line %s] "
			    "in %s\n", line, conf->path);
			return CLI_FAIL;
		}
		return cmd_modem_probe(&conf->lines[i],
		    conf->lines[i].device);
	}
	if (strcmp(family, "auto") != 0 && strcmp(family, "v253") != 0 &&
	    strcmp(family, "conexant") != 0 && strcmp(family, "usr") != 0) {
		fprintf(stderr, "kefu modem probe: unknown family '%s' "
		    "(auto, v253, conexant, usr)\n", family);
		return CLI_USAGE;
	}
	if (strcmp(flow, "rtscts") != 0 && strcmp(flow, "xonxoff") != 0 &&
	    strcmp(flow, "none") != 0) {
		fprintf(stderr, "kefu modem probe: unknown flow control '%s' "
		    "(rtscts, xonxoff, none)\n", flow);
		return CLI_USAGE;
	}
	memset(&cl, 0, sizeof cl);
	cl.name = argv[0];
	cl.device = argv[0];
	cl.family = family;
	cl.speed = (int)speed;
	cl.flow_control = flow;
	cl.rings = 2;
	return cmd_modem_probe(&cl, argv[0]);
}

int
cmd_modem_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		cmd_modem_usage(stdout);
		return CLI_OK;
	}
	if (argc < 2) {
		cmd_modem_usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "list") == 0) {
		if (argc != 2) {
			cmd_modem_usage(stderr);
			return CLI_USAGE;
		}
		return cmd_modem_list();
	}
	if (strcmp(argv[1], "probe") == 0)
		return cmd_modem_probe_main(argc - 1, argv + 1);
	fprintf(stderr, "kefu modem: unknown subcommand '%s'\n", argv[1]);
	cmd_modem_usage(stderr);
	return CLI_USAGE;
}
