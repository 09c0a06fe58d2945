/*
 * cmd-staff.c: `kefu staff add|set|pin-reset|pin-check|list` -- the staff
 * who may
 * phone in (store/staff.c): number, role, enabled, and a PIN read from
 * standard input or typed twice on the terminal, never printed;
 * pin-check checks one as the voice menu does (and counts if wrong).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

static void
cmd_staff_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu staff add NUMBER [--role staff|desk|admin]\n"
	    "       kefu staff set NUMBER [--role ROLE] "
	    "[--enabled yes|no]\n"
	    "       kefu staff pin-reset|pin-check NUMBER\n"
	    "       kefu staff list\n"
	    "The PIN (4-8 digits) is one line of standard input, or typed "
	    "twice\non the terminal.\n");
}

/* --role and --enabled after the number; -1 on a usage error. */
static int
cmd_staff_opts(int argc, char **argv, const char **role, int *enabled)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "enabled", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "r:e:", opts, NULL)) != -1) {
		if (ch == 'r')
			*role = optarg;
		else if (ch == 'e' && (strcmp(optarg, "yes") == 0 ||
		    strcmp(optarg, "no") == 0))
			*enabled = strcmp(optarg, "yes") == 0;
		else
			return -1;
	}
	return optind == argc ? 0 : -1;
}

static int
cmd_staff_list(struct cli_store *x, char **cause)
{
	struct store_staff *s;
	size_t n, i;

	if (store_staff_list(x->src, &s, &n, cause) == -1)
		return -1;
	printf("%-12s %-6s %-8s %-8s %s\n", "NUMBER", "ROLE", "ENABLED",
	    "WRONG", "LOCKED UNTIL");
	for (i = 0; i < n; i++)
		printf("%-12s %-6s %-8s %-8d %s\n", s[i].staff_no,
		    s[i].role ? s[i].role : "-", s[i].enabled ? "yes" : "no",
		    s[i].pin_failures, s[i].locked_until ? s[i].locked_until :
		    "-");
	store_staff_free(s, n);
	return 0;
}

/* pin-check: what the voice menu would find; 0 only for a right PIN. */
static int
cmd_staff_check(struct cli_store *x, const char *no, const char *pin,
    const struct store_member_policy *pol, char **cause)
{
	static const char *const said[] = {
		[STORE_PIN_OK] = "PIN right",
		[STORE_PIN_WRONG] = "PIN wrong",
		[STORE_PIN_LOCKED] = "locked: PIN not tried",
		[STORE_PIN_NONE] = "no PIN set",
		[STORE_PIN_CLOSED] = "disabled: PIN not tried",
	};
	enum store_pin_result res;
	char *role = NULL;
	int left;

	if (store_staff_pin_check(x->src, no, pin, pol, NULL, &res, &left,
	    &role, cause) == -1)
		return -1;
	if (res == STORE_PIN_OK)
		printf("staff %s: PIN right (role %s)\n", no, role);
	else if (res == STORE_PIN_WRONG && left == 0)
		printf("staff %s: PIN wrong; locked now\n", no);
	else if (res == STORE_PIN_WRONG)
		printf("staff %s: PIN wrong; %d tr%s left\n", no, left,
		    left == 1 ? "y" : "ies");
	else
		printf("staff %s: %s\n", no, said[res]);
	free(role);
	return res == STORE_PIN_OK ? 0 : -2;
}

/* add, pin-reset and pin-check: each reads a PIN. */
static int
cmd_staff_pin(struct cli_store *x, const char *verb, const char *no,
    const char *role, char **cause)
{
	struct store_member_policy pol = { x->conf->pin_attempts,
	    x->conf->pin_lockout_ms, x->conf->pin_iterations };
	char pin[CLI_PIN_BUF];
	int rc;

	if (cli_pin_read("staff", pin) == -1)
		return -2;
	if (strcmp(verb, "pin-check") == 0) {
		rc = cmd_staff_check(x, no, pin, &pol, cause);
		OPENSSL_cleanse(pin, sizeof pin);
		return rc;
	}
	if (strcmp(verb, "add") == 0)
		rc = store_staff_add(x->src, no, role, pin, &pol, cause);
	else
		rc = store_staff_pin_set(x->src, no, pin, &pol, cause);
	OPENSSL_cleanse(pin, sizeof pin);
	if (rc == 0)
		printf("staff %s: %s\n", no, strcmp(verb, "add") == 0 ?
		    "added" : "new PIN set, lockout lifted");
	return rc;
}

int
cmd_staff_main(int argc, char **argv)
{
	struct cli_store x;
	const char *verb, *role = NULL;
	char *cause = NULL;
	int enabled = -1, rc;

	if (argc < 2 || cli_wants_help(argc, argv)) {
		cmd_staff_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "list") == 0 ? argc != 2 :
	    strcmp(verb, "pin-reset") == 0 || strcmp(verb, "pin-check") ==
	    0 ? argc != 3 :
	    (strcmp(verb, "add") != 0 && strcmp(verb, "set") != 0) ||
	    argc < 3 || cmd_staff_opts(argc - 2, argv + 2, &role,
	    &enabled) == -1 || (strcmp(verb, "add") == 0 && enabled != -1)) {
		cmd_staff_usage(stderr);
		return CLI_USAGE;
	}
	if (cli_store_open("staff", &x) == -1)
		return CLI_FAIL;
	if (strcmp(verb, "list") == 0)
		rc = cmd_staff_list(&x, &cause);
	else if (strcmp(verb, "set") == 0) {
		if ((rc = store_staff_set(x.src, argv[2], role, enabled,
		    &cause)) == 0)
			printf("staff %s changed\n", argv[2]);
	} else
		rc = cmd_staff_pin(&x, verb, argv[2], role, &cause);
	if (rc == -1)
		fprintf(stderr, "kefu staff: %s\n", cause);
	free(cause);
	cli_store_close(&x);
	return rc == 0 ? CLI_OK : CLI_FAIL;
}
