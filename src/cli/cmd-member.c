/*
 * cmd-member.c: `kefu member add|show|list|set|services|pin-reset|
 * pin-check|lock|unlock|close|import|export` -- the service desk's view
 * of the members in the local store (store/member.c does the work).
 * PINs are read from the terminal without echo, or one line of standard
 * input, never from the command line (which ps shows), and never printed.
 * CSV (RFC 4180) in UTF-8, GBK or GB18030 through util/csv.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

/* Options, as bits: which subcommand takes which. */
enum {
	MO_NAME = 1 << 0, MO_PHONE = 1 << 1, MO_MOBILE = 1 << 2,
	MO_ADDRESS = 1 << 3, MO_EMAIL = 1 << 4, MO_BIRTHDAY = 1 << 5,
	MO_LANGUAGE = 1 << 6, MO_NOTE = 1 << 7, MO_SERVICES = 1 << 8,
	MO_PIN = 1 << 9, MO_BYPHONE = 1 << 10, MO_CALL = 1 << 11,
	MO_STAFF = 1 << 12, MO_PAPER = 1 << 13, MO_STATUS = 1 << 14,
	MO_VIA = 1 << 15, MO_SERVICE = 1 << 16, MO_NUMBER = 1 << 17,
	MO_LOCKED = 1 << 18, MO_ENCODING = 1 << 19, MO_OUTPUT = 1 << 20,
};
#define MO_FIELDS (MO_NAME | MO_PHONE | MO_MOBILE | MO_ADDRESS | MO_EMAIL | \
	MO_BIRTHDAY | MO_LANGUAGE | MO_NOTE)
#define MO_ACTOR (MO_BYPHONE | MO_CALL | MO_STAFF)

struct cmd_member_opts {
	int given;                      /* MO_* seen */
	struct store_member_fields f;
	const char *services;           /* --services LIST */
	const char *call, *staff;
	const char *status, *via, *service, *number;
	const char *encoding, *output;
	int64_t call_id;
};

/* The [store] datasource and settings. */
struct cmd_member_ctx {
	struct conf *conf;
	struct db_adapters *ads;        /* NULL when none could be loaded */
	struct db_source *src;
	struct store_member_policy pol;
	struct store_member_actor actor;
};

/* One subcommand: its name, arguments, options, and what it runs. */
struct cmd_member_sub {
	const char *name;
	int nargs;                      /* customer numbers or files it
					   takes; -1: 0 or 1 */
	int opts;                       /* MO_* it takes */
	int (*run)(struct cmd_member_ctx *, struct cmd_member_opts *,
	    char **argv);
	const char *usage;
};

static void
cmd_member_usage(FILE *fp)
{
	fprintf(fp, "usage: kefu member add [--by-phone] [FIELDS] "
	    "[--services LIST] [--pin]\n"
	    "       kefu member show NUMBER\n"
	    "       kefu member list [--status S] [--via paper|phone] "
	    "[--service S] [--name TEXT] [--number PHONE] [--locked]\n"
	    "       kefu member set NUMBER [FIELDS] [--paper] [--by-phone "
	    "[--call ID]]\n"
	    "       kefu member services NUMBER [SERVICE=on|off ...] "
	    "[--by-phone [--call ID]]\n"
	    "       kefu member pin-reset|pin-check|lock|unlock|close NUMBER\n"
	    "       kefu member import [--encoding E] FILE\n"
	    "       kefu member export [--encoding E] [-o FILE]\n"
	    "FIELDS: --name --phone --mobile --address --email --birthday "
	    "--language --note; SERVICE: sms, email, phone_order;\n"
	    "every change takes --staff NO; E: UTF-8, GBK, GB18030\n");
}

static void
cmd_member_err(const char *cause)
{
	fprintf(stderr, "kefu member: %s\n", cause);
}

/* --- opening the store ------------------------------------------------ */

static int
cmd_member_open(struct cmd_member_ctx *x)
{
	struct cli_store st;

	if (cli_store_open("member", &st) == -1)
		return -1;
	x->conf = st.conf;
	x->ads = st.ads;
	x->src = st.src;
	x->pol.pin_attempts = x->conf->pin_attempts;
	x->pol.pin_lockout_ms = x->conf->pin_lockout_ms;
	x->pol.pin_iterations = x->conf->pin_iterations;
	return 0;
}

/* --- showing members ------------------------------------------------ */

static void
cmd_member_services_str(int svc, char *out, size_t size)
{
	int bit;

	out[0] = '\0';
	for (bit = 1; bit <= MEMBER_SVC_ORDER; bit <<= 1)
		if (svc & bit)
			snprintf(out + strlen(out), size - strlen(out), "%s%s",
			    out[0] ? "," : "", store_member_service_name(bit));
	if (out[0] == '\0')
		snprintf(out, size, "none");
}

static const char *
cmd_member_or(const char *s)
{
	return s != NULL ? s : "-";
}

static void
cmd_member_print(const struct store_member *m)
{
	char svc[64];

	cmd_member_services_str(m->services, svc, sizeof svc);
	printf("customer number: %s\n", m->customer_no);
	printf("name:            %s\n", cmd_member_or(m->name));
	printf("phone:           %s\n", cmd_member_or(m->phone));
	printf("mobile:          %s\n", cmd_member_or(m->mobile));
	printf("address:         %s\n", cmd_member_or(m->address));
	printf("e-mail:          %s\n", cmd_member_or(m->email));
	printf("birthday:        %s\n", cmd_member_or(m->birthday));
	printf("language:        %s\n", cmd_member_or(m->language));
	printf("registered:      %s %s\n", m->registered_via,
	    m->registered_at);
	printf("status:          %s\n", m->status);
	printf("services:        %s\n", svc);
	printf("PIN:             %s\n", m->has_pin ? "set" : "not set");
	if (m->locked)
		printf("locked:          by the desk\n");
	else if (m->locked_until != NULL)
		printf("locked:          until %s (%d wrong PINs)\n",
		    m->locked_until, m->pin_failures);
	else
		printf("locked:          no (%d wrong PINs)\n",
		    m->pin_failures);
	if (m->note != NULL)
		printf("note:            %s\n", m->note);
	printf("updated:         %s\n", m->updated_at);
}

static int
cmd_member_show(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct store_member *m;
	char *cause = NULL;

	(void)o;
	if (store_member_get(x->src, argv[0], &m, &cause) == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	cmd_member_print(m);
	store_member_free(m);
	return CLI_OK;
}

static int
cmd_member_list(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct store_member_filter f = { .status = o->status, .via = o->via,
	    .name = o->f.name, .number = o->number,
	    .locked = (o->given & MO_LOCKED) != 0 };
	struct store_member *m;
	char *cause = NULL, svc[64];
	size_t n, i;

	(void)argv;
	if (o->service != NULL &&
	    (f.service = store_member_service_bit(o->service)) == 0) {
		fprintf(stderr, "kefu member: --service %s: sms, email or "
		    "phone_order\n", o->service);
		return CLI_USAGE;
	}
	if (store_member_list(x->src, &f, &m, &n, &cause) == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	for (i = 0; i < n; i++) {
		cmd_member_services_str(m[i].services, svc, sizeof svc);
		printf("%s  %-6s %-6s %-12s %-22s %s\n", m[i].customer_no,
		    m[i].status, m[i].registered_via,
		    cmd_member_or(m[i].mobile), svc, cmd_member_or(m[i].name));
	}
	printf("%zu member%s\n", n, n == 1 ? "" : "s");
	store_members_free(m, n);
	return CLI_OK;
}

/* --- changes -------------------------------------------------------- */

/* "sms,phone_order" or "none" into bits; -1 when a name is unknown. */
static int
cmd_member_parse_services(const char *list)
{
	char *copy, *p, *tok;
	int bits = 0, bit;

	if (strcmp(list, "none") == 0)
		return 0;
	copy = xstrdup(list);
	for (p = copy; (tok = strsep(&p, ",;")) != NULL;) {
		if (*tok == '\0')
			continue;
		if ((bit = store_member_service_bit(tok)) == 0) {
			free(copy);
			return -1;
		}
		bits |= bit;
	}
	free(copy);
	return bits;
}

static int
cmd_member_add(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct store_member_new m = { .f = o->f, .services = -1,
	    .via = (o->given & MO_BYPHONE) ? "phone" : "paper" };
	struct store_member *got;
	char pin[CLI_PIN_BUF], no[MEMBER_NO_LEN + 1], *cause = NULL, svc[64];
	int rc = CLI_FAIL;

	(void)argv;
	if (o->services != NULL &&
	    (m.services = cmd_member_parse_services(o->services)) == -1) {
		fprintf(stderr, "kefu member: --services %s: a list of sms, "
		    "email, phone_order, or none\n", o->services);
		return CLI_USAGE;
	}
	if (!(o->given & MO_BYPHONE))
		x->actor.via = "paper";
	if (o->given & MO_PIN) {
		if (cli_pin_read("member", pin) == -1)
			return CLI_FAIL;
		m.pin = pin;
	}
	if (store_member_add(x->src, &m, &x->actor, &x->pol, no, &cause) ==
	    -1 || store_member_get(x->src, no, &got, &cause) == -1) {
		cmd_member_err(cause);
		free(cause);
		goto out;
	}
	cmd_member_services_str(got->services, svc, sizeof svc);
	printf("member %s registered %s; services: %s; PIN %s\n", no,
	    strcmp(m.via, "phone") == 0 ? "by phone" : "on paper", svc,
	    got->has_pin ? "set" : "not set");
	store_member_free(got);
	rc = CLI_OK;
out:
	OPENSSL_cleanse(pin, sizeof pin);
	return rc;
}

static int
cmd_member_set(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	char *cause = NULL;

	if ((o->given & MO_PAPER) && (o->given & MO_BYPHONE)) {
		cmd_member_err("--paper means the member signed the form at "
		    "the desk; it cannot come --by-phone");
		return CLI_USAGE;
	}
	if ((o->given & MO_FIELDS) && store_member_set(x->src, argv[0],
	    &o->f, &x->actor, &cause) == -1)
		goto fail;
	if (o->given & MO_PAPER) {
		x->actor.via = "paper";
		if (store_member_upgrade(x->src, argv[0], &x->actor,
		    &cause) == -1)
			goto fail;
		printf("member %s is registered on paper now\n", argv[0]);
	}
	if (!(o->given & (MO_FIELDS | MO_PAPER))) {
		cmd_member_err("nothing to change");
		return CLI_USAGE;
	}
	if (o->given & MO_FIELDS)
		printf("member %s changed\n", argv[0]);
	return CLI_OK;
fail:
	cmd_member_err(cause);
	free(cause);
	return CLI_FAIL;
}

/* "sms=on" into a service bit and on/off; -1 when malformed. */
static int
cmd_member_svc_arg(const char *arg, int *bit, int *on)
{
	const char *eq = strchr(arg, '=');
	char name[16];

	if (eq == NULL || (size_t)(eq - arg) >= sizeof name)
		return -1;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	if ((*bit = store_member_service_bit(name)) == 0)
		return -1;
	if (strcmp(eq + 1, "on") == 0)
		*on = 1;
	else if (strcmp(eq + 1, "off") == 0)
		*on = 0;
	else
		return -1;
	return 0;
}

static int
cmd_member_services(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct store_member *m;
	char *cause = NULL, svc[64];
	int i, bit, on, changed;

	(void)o;
	for (i = 1; argv[i] != NULL; i++)
		if (cmd_member_svc_arg(argv[i], &bit, &on) == -1) {
			fprintf(stderr, "kefu member: %s: SERVICE=on or "
			    "SERVICE=off (sms, email, phone_order)\n", argv[i]);
			return CLI_USAGE;
		}
	for (i = 1; argv[i] != NULL; i++) {
		cmd_member_svc_arg(argv[i], &bit, &on);
		if (store_member_service(x->src, argv[0], bit, on, &x->actor,
		    &changed, &cause) == -1)
			goto fail;
		if (!changed)
			printf("%s: already %s\n",
			    store_member_service_name(bit),
			    on ? "subscribed" : "cancelled");
	}
	if (store_member_get(x->src, argv[0], &m, &cause) == -1)
		goto fail;
	cmd_member_services_str(m->services, svc, sizeof svc);
	printf("member %s services: %s\n", argv[0], svc);
	store_member_free(m);
	return CLI_OK;
fail:
	cmd_member_err(cause);
	free(cause);
	return CLI_FAIL;
}

static int
cmd_member_pin_reset(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	char pin[CLI_PIN_BUF], *cause = NULL;
	int rc;

	(void)o;
	if (cli_pin_read("member", pin) == -1)
		return CLI_FAIL;
	rc = store_member_pin_set(x->src, argv[0], pin, &x->pol, &cause);
	OPENSSL_cleanse(pin, sizeof pin);
	if (rc == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("member %s: new PIN set, lockout lifted\n", argv[0]);
	return CLI_OK;
}

static int
cmd_member_pin_check(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	static const char *const said[] = {
		[STORE_PIN_OK] = "PIN right",
		[STORE_PIN_WRONG] = "PIN wrong",
		[STORE_PIN_LOCKED] = "locked: PIN not tried",
		[STORE_PIN_NONE] = "no PIN set",
		[STORE_PIN_CLOSED] = "member closed",
	};
	enum store_pin_result res;
	char pin[CLI_PIN_BUF], *cause = NULL;
	int rc, left;

	(void)o;
	if (cli_pin_read("member", pin) == -1)
		return CLI_FAIL;
	rc = store_member_pin_check(x->src, argv[0], pin, &x->pol, NULL, &res,
	    &left, &cause);
	OPENSSL_cleanse(pin, sizeof pin);
	if (rc == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	if (res == STORE_PIN_WRONG && left == 0)
		printf("member %s: PIN wrong; locked now\n", argv[0]);
	else if (res == STORE_PIN_WRONG)
		printf("member %s: PIN wrong; %d tr%s left\n", argv[0], left,
		    left == 1 ? "y" : "ies");
	else
		printf("member %s: %s\n", argv[0], said[res]);
	return res == STORE_PIN_OK ? CLI_OK : CLI_FAIL;
}

static int
cmd_member_simple(struct cmd_member_ctx *x, const char *sub, char **argv)
{
	char *cause = NULL;
	int rc;

	if (strcmp(sub, "close") == 0)
		rc = store_member_close(x->src, argv[0], &x->actor, &cause);
	else
		rc = store_member_lock(x->src, argv[0],
		    strcmp(sub, "lock") == 0, &cause);
	if (rc == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	printf("member %s %s\n", argv[0], strcmp(sub, "close") == 0 ?
	    "closed" : strcmp(sub, "lock") == 0 ? "locked" : "unlocked");
	return CLI_OK;
}

static int
cmd_member_lock(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	(void)o;
	return cmd_member_simple(x, "lock", argv);
}

static int
cmd_member_unlock(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	(void)o;
	return cmd_member_simple(x, "unlock", argv);
}

static int
cmd_member_close(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	(void)o;
	return cmd_member_simple(x, "close", argv);
}

/* --- CSV ------------------------------------------------------------ */

/* The export's columns, which import reads back by name. */
static const char *const cmd_member_cols[] = {
	"customer_no", "name", "phone", "mobile", "address", "email",
	"birthday", "language", "registered_via", "registered_at", "status",
	"services", "note",
};
enum { MC_NO, MC_NAME, MC_PHONE, MC_MOBILE, MC_ADDRESS, MC_EMAIL,
	MC_BIRTHDAY, MC_LANGUAGE, MC_VIA, MC_AT, MC_STATUS, MC_SERVICES,
	MC_NOTE, MC_N };

/* A field, quoted when it holds a comma, quote, line break or edge space. */
static void
cmd_member_csv_field(struct strbuf *sb, const char *s)
{
	const char *p;

	if (s == NULL)
		return;
	if (strpbrk(s, ",\"\r\n") == NULL && *s != ' ' &&
	    (*s == '\0' || s[strlen(s) - 1] != ' ')) {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '"');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '"');
}

static void
cmd_member_csv_row(struct strbuf *sb, const struct store_member *m)
{
	const char *v[MC_N];
	char svc[64];
	size_t i;

	cmd_member_services_str(m->services, svc, sizeof svc);
	if (strcmp(svc, "none") == 0)
		svc[0] = '\0';
	for (i = 0; i < strlen(svc); i++)
		if (svc[i] == ',')
			svc[i] = ';';
	v[MC_NO] = m->customer_no;
	v[MC_NAME] = m->name;
	v[MC_PHONE] = m->phone;
	v[MC_MOBILE] = m->mobile;
	v[MC_ADDRESS] = m->address;
	v[MC_EMAIL] = m->email;
	v[MC_BIRTHDAY] = m->birthday;
	v[MC_LANGUAGE] = m->language;
	v[MC_VIA] = m->registered_via;
	v[MC_AT] = m->registered_at;
	v[MC_STATUS] = m->status;
	v[MC_SERVICES] = svc;
	v[MC_NOTE] = m->note;
	for (i = 0; i < MC_N; i++) {
		if (i > 0)
			sb_addc(sb, ',');
		cmd_member_csv_field(sb, v[i]);
	}
	sb_adds(sb, "\r\n");
}

static int
cmd_member_export(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct store_member_filter f = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct store_member *m;
	const char *enc = o->encoding ? o->encoding : "UTF-8";
	char *cause = NULL, *conv = NULL;
	size_t n, i, len, bad = 0;
	int rc = CLI_FAIL;

	(void)argv;
	if (store_member_list(x->src, &f, &m, &n, &cause) == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	for (i = 0; i < MC_N; i++)
		sb_addf(&sb, "%s%s", i ? "," : "", cmd_member_cols[i]);
	sb_adds(&sb, "\r\n");
	for (i = 0; i < n; i++)
		cmd_member_csv_row(&sb, &m[i]);
	store_members_free(m, n);
	len = sb.len;
	if (!str_ieq(enc, "UTF-8") && csv_conv(enc, "UTF-8",
	    sb_str(&sb), sb.len, &conv, &len, &bad) == -1) {
		fprintf(stderr, "kefu member: export: text at byte %zu has no "
		    "%s form; export in UTF-8\n", bad, enc);
		goto out;
	}
	if (o->output != NULL) {
		if (file_write_atomic(o->output, conv ? conv : sb_str(&sb),
		    len, &cause) == -1) {
			cmd_member_err(cause);
			free(cause);
			goto out;
		}
	} else if (fwrite(conv ? conv : sb_str(&sb), 1, len, stdout) != len)
		goto out;
	fprintf(stderr, "kefu member: exported %zu member%s (%s)\n", n,
	    n == 1 ? "" : "s", enc);
	rc = CLI_OK;
out:
	free(conv);
	sb_free(&sb);
	return rc;
}

/* The column of each MC_* in the header, -1 when absent. */
static int
cmd_member_header(const char *file, const struct csv_rec *h,
    int col[MC_N])
{
	size_t i, j;

	for (j = 0; j < MC_N; j++)
		col[j] = -1;
	for (i = 0; i < h->n; i++) {
		for (j = 0; j < MC_N; j++)
			if (strcmp(str_trim(h->f[i]), cmd_member_cols[j]) == 0)
				break;
		if (j == MC_N || col[j] != -1) {
			fprintf(stderr, "%s:%d: column '%s' is %s (columns: "
			    "customer_no, name, phone, mobile, address, "
			    "email, birthday, language, registered_via, "
			    "registered_at, status, services, note)\n", file,
			    h->line, h->f[i],
			    j == MC_N ? "unknown" : "doubled");
			return -1;
		}
		col[j] = (int)i;
	}
	return 0;
}

/* A row's field c, or NULL when absent or empty. */
static const char *
cmd_member_get(const struct csv_rec *r, const int col[MC_N], int c)
{
	if (col[c] < 0 || (size_t)col[c] >= r->n || r->f[col[c]][0] == '\0')
		return NULL;
	return r->f[col[c]];
}

/* A row as a new member; its status in *closed. */
static int
cmd_member_row(const struct csv_rec *r, const int col[MC_N],
    struct store_member_new *m, int *closed, char **cause)
{
	const char *st = cmd_member_get(r, col, MC_STATUS);
	const char *svc = cmd_member_get(r, col, MC_SERVICES);

	memset(m, 0, sizeof *m);
	m->customer_no = cmd_member_get(r, col, MC_NO);
	m->f.name = cmd_member_get(r, col, MC_NAME);
	m->f.phone = cmd_member_get(r, col, MC_PHONE);
	m->f.mobile = cmd_member_get(r, col, MC_MOBILE);
	m->f.address = cmd_member_get(r, col, MC_ADDRESS);
	m->f.email = cmd_member_get(r, col, MC_EMAIL);
	m->f.birthday = cmd_member_get(r, col, MC_BIRTHDAY);
	m->f.language = cmd_member_get(r, col, MC_LANGUAGE);
	m->f.note = cmd_member_get(r, col, MC_NOTE);
	m->via = cmd_member_get(r, col, MC_VIA);
	m->registered_at = cmd_member_get(r, col, MC_AT);
	if (m->via == NULL)
		m->via = "paper";
	*closed = st != NULL && strcmp(st, "closed") == 0;
	if (st != NULL && !*closed && strcmp(st, "active") != 0)
		return kf_error(cause, "status '%s': active or closed", st);
	m->services = -1;
	if (svc != NULL && (m->services = cmd_member_parse_services(svc)) < 0)
		return kf_error(cause, "services '%s': sms, email, "
		    "phone_order separated by ';'", svc);
	if (*closed)
		m->services = 0;
	return store_member_validate(m, cause);
}

/* Check every row; print each bad one as FILE:LINE. */
static int
cmd_member_check_rows(struct cmd_member_ctx *x, const char *file,
    const struct csv_rec *r, size_t n, const int col[MC_N],
    size_t ncols)
{
	struct store_member_new m;
	struct store_member *got;
	struct strmap seen = { 0 };
	char *cause = NULL;
	size_t i;
	int closed, bad = 0;

	for (i = 1; i < n; i++) {
		if (r[i].n != ncols)
			kf_error(&cause, "%zu fields, the header has %zu",
			    r[i].n, ncols);
		else if (cmd_member_row(&r[i], col, &m, &closed, &cause) == 0 &&
		    m.customer_no != NULL) {
			if (strmap_get(&seen, m.customer_no) != NULL)
				kf_error(&cause, "customer number %s is "
				    "doubled in the file", m.customer_no);
			else if (store_member_get(x->src, m.customer_no, &got,
			    NULL) == 0) {
				store_member_free(got);
				kf_error(&cause, "customer number %s is "
				    "already in the store", m.customer_no);
			}
			strmap_put(&seen, m.customer_no, (void *)1);
		}
		if (cause != NULL) {
			fprintf(stderr, "%s:%d: %s\n", file, r[i].line, cause);
			free(cause);
			cause = NULL;
			bad++;
		}
	}
	strmap_free(&seen);
	return bad;
}

/* Add every row (all checked); stops at the first the store refuses. */
static int
cmd_member_load(struct cmd_member_ctx *x, const char *file,
    const struct csv_rec *r, size_t n, const int col[MC_N])
{
	struct store_member_new m;
	struct store_member_actor a = x->actor;
	char no[MEMBER_NO_LEN + 1], *cause = NULL;
	size_t i;
	int closed;

	for (i = 1; i < n; i++) {
		if (cmd_member_row(&r[i], col, &m, &closed, &cause) == -1)
			break;
		a.via = m.via;
		if (store_member_add(x->src, &m, &a, &x->pol, no, &cause) ==
		    -1 || (closed && store_member_close(x->src, no, &a,
		    &cause) == -1))
			break;
	}
	if (i == n)
		return 0;
	fprintf(stderr, "%s:%d: %s\nkefu member: import stopped: the %zu "
	    "row%s before line %d %s loaded, this row and the later ones "
	    "were not\n", file, r[i].line, cause, i - 1, i == 2 ? "" : "s",
	    r[i].line, i == 2 ? "was" : "were");
	free(cause);
	return -1;
}

static int
cmd_member_import(struct cmd_member_ctx *x, struct cmd_member_opts *o,
    char **argv)
{
	struct csv_rec *r;
	const char *enc = o->encoding ? o->encoding : "UTF-8";
	char *text, *cause = NULL;
	size_t n;
	int col[MC_N], line, bad, rc = CLI_FAIL;

	if (csv_read(argv[0], &enc, &text, &cause) == -1) {
		cmd_member_err(cause);
		free(cause);
		return CLI_FAIL;
	}
	if (csv_parse(text, &r, &n, &line) == -1) {
		fprintf(stderr, "%s:%d: a quoted field is never closed\n",
		    argv[0], line);
		free(text);
		return CLI_FAIL;
	}
	free(text);
	if (n == 0) {
		fprintf(stderr, "%s: empty: no header line\n", argv[0]);
		goto out;
	}
	if (cmd_member_header(argv[0], &r[0], col) == -1)
		goto out;
	if ((bad = cmd_member_check_rows(x, argv[0], r, n, col,
	    r[0].n)) > 0) {
		fprintf(stderr, "kefu member: import: %d bad row%s; nothing "
		    "loaded\n", bad, bad == 1 ? "" : "s");
		goto out;
	}
	if (cmd_member_load(x, argv[0], r, n, col) == -1)
		goto out;
	printf("imported %zu member%s from %s (%s)\n", n - 1,
	    n == 2 ? "" : "s", argv[0], enc);
	rc = CLI_OK;
out:
	csv_recs_free(r, n);
	return rc;
}

/* --- the subcommand table and options ------------------------------- */

static const struct cmd_member_sub cmd_member_subs[] = {
	{ "add", 0, MO_FIELDS | MO_SERVICES | MO_PIN | MO_ACTOR,
	  cmd_member_add, "register a member (on paper unless --by-phone)" },
	{ "show", 1, 0, cmd_member_show, "show one member" },
	{ "list", 0, MO_STATUS | MO_VIA | MO_SERVICE | MO_NAME | MO_NUMBER |
	  MO_LOCKED, cmd_member_list, "list members" },
	{ "set", 1, MO_FIELDS | MO_PAPER | MO_ACTOR, cmd_member_set,
	  "change details; --paper: the paper form was signed" },
	{ "services", -1, MO_ACTOR | MO_PAPER, cmd_member_services,
	  "show, subscribe (=on) and cancel (=off) services" },
	{ "pin-reset", 1, 0, cmd_member_pin_reset, "set a new PIN" },
	{ "pin-check", 1, 0, cmd_member_pin_check,
	  "check a PIN as the voice menu does" },
	{ "lock", 1, 0, cmd_member_lock, "lock a member" },
	{ "unlock", 1, 0, cmd_member_unlock, "unlock a member" },
	{ "close", 1, MO_STAFF, cmd_member_close, "close a member" },
	{ "import", 1, MO_ENCODING | MO_STAFF, cmd_member_import,
	  "load members from CSV" },
	{ "export", 0, MO_ENCODING | MO_OUTPUT, cmd_member_export,
	  "write every member as CSV" },
};

static const struct cmd_member_sub *
cmd_member_find(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(cmd_member_subs); i++)
		if (strcmp(cmd_member_subs[i].name, name) == 0)
			return &cmd_member_subs[i];
	return NULL;
}

static const struct option cmd_member_longopts[] = {
	{ "name", required_argument, NULL, MO_NAME },
	{ "phone", required_argument, NULL, MO_PHONE },
	{ "mobile", required_argument, NULL, MO_MOBILE },
	{ "address", required_argument, NULL, MO_ADDRESS },
	{ "email", required_argument, NULL, MO_EMAIL },
	{ "birthday", required_argument, NULL, MO_BIRTHDAY },
	{ "language", required_argument, NULL, MO_LANGUAGE },
	{ "note", required_argument, NULL, MO_NOTE },
	{ "services", required_argument, NULL, MO_SERVICES },
	{ "pin", no_argument, NULL, MO_PIN },
	{ "by-phone", no_argument, NULL, MO_BYPHONE },
	{ "call", required_argument, NULL, MO_CALL },
	{ "staff", required_argument, NULL, MO_STAFF },
	{ "paper", no_argument, NULL, MO_PAPER },
	{ "status", required_argument, NULL, MO_STATUS },
	{ "via", required_argument, NULL, MO_VIA },
	{ "service", required_argument, NULL, MO_SERVICE },
	{ "number", required_argument, NULL, MO_NUMBER },
	{ "locked", no_argument, NULL, MO_LOCKED },
	{ "encoding", required_argument, NULL, MO_ENCODING },
	{ "output", required_argument, NULL, MO_OUTPUT },
	{ NULL, 0, NULL, 0 },
};

/* Store one option's value. */
static void
cmd_member_opt(struct cmd_member_opts *o, int ch, const char *v)
{
	switch (ch) {
	case MO_NAME: o->f.name = v; break;
	case MO_PHONE: o->f.phone = v; break;
	case MO_MOBILE: o->f.mobile = v; break;
	case MO_ADDRESS: o->f.address = v; break;
	case MO_EMAIL: o->f.email = v; break;
	case MO_BIRTHDAY: o->f.birthday = v; break;
	case MO_LANGUAGE: o->f.language = v; break;
	case MO_NOTE: o->f.note = v; break;
	case MO_SERVICES: o->services = v; break;
	case MO_CALL: o->call = v; break;
	case MO_STAFF: o->staff = v; break;
	case MO_STATUS: o->status = v; break;
	case MO_VIA: o->via = v; break;
	case MO_SERVICE: o->service = v; break;
	case MO_NUMBER: o->number = v; break;
	case MO_ENCODING: o->encoding = v; break;
	case MO_OUTPUT: o->output = v; break;
	default: break;
	}
}

/* The name of an option bit, for errors. */
static const char *
cmd_member_optname(int bit)
{
	size_t i;

	for (i = 0; cmd_member_longopts[i].name != NULL; i++)
		if (cmd_member_longopts[i].val == bit)
			return cmd_member_longopts[i].name;
	return "?";
}

/* Parse options for sub; CLI_OK or CLI_USAGE. */
static int
cmd_member_opts(const struct cmd_member_sub *sub, int argc, char **argv,
    struct cmd_member_opts *o)
{
	const char *errstr;
	long long id;
	int ch;

	memset(o, 0, sizeof *o);
	/* glibc: start afresh, permuting (kefu's own parse used '+') */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", cmd_member_longopts,
	    NULL)) != -1) {
		if (ch == 'o')
			ch = MO_OUTPUT;
		if (ch == '?')
			return CLI_USAGE;
		if (!(sub->opts & ch)) {
			fprintf(stderr, "kefu member %s: --%s does not apply\n",
			    sub->name, cmd_member_optname(ch));
			return CLI_USAGE;
		}
		o->given |= ch;
		cmd_member_opt(o, ch, optarg);
	}
	if (o->call != NULL) {
		if (!(o->given & MO_BYPHONE) || str_tonum(o->call, 1,
		    INT64_MAX, &id, &errstr) == -1) {
			fprintf(stderr, "kefu member: --call %s: a call id, "
			    "with --by-phone\n", o->call);
			return CLI_USAGE;
		}
		o->call_id = id;
	}
	if (o->encoding != NULL && !csv_encoding_ok(o->encoding)) {
		fprintf(stderr, "kefu member: --encoding %s: UTF-8, GBK or "
		    "GB18030\n", o->encoding);
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int
cmd_member_nargs_ok(const struct cmd_member_sub *sub, int n)
{
	if (sub->nargs == -1)
		return n >= 1;
	return n == sub->nargs;
}

int
cmd_member_main(int argc, char **argv)
{
	const struct cmd_member_sub *sub;
	struct cmd_member_opts o;
	struct cmd_member_ctx x;
	int rc;

	if (cli_wants_help(argc, argv)) {
		cmd_member_usage(stdout);
		return CLI_OK;
	}
	if (argc < 2 || (sub = cmd_member_find(argv[1])) == NULL) {
		if (argc >= 2)
			fprintf(stderr, "kefu member: unknown subcommand "
			    "'%s'\n", argv[1]);
		cmd_member_usage(stderr);
		return CLI_USAGE;
	}
	if ((rc = cmd_member_opts(sub, argc - 1, argv + 1, &o)) != CLI_OK ||
	    !cmd_member_nargs_ok(sub, argc - 1 - optind)) {
		if (rc == CLI_OK)
			fprintf(stderr, "kefu member %s: wrong number of "
			    "arguments\n", sub->name);
		cmd_member_usage(stderr);
		return CLI_USAGE;
	}
	memset(&x, 0, sizeof x);
	x.actor.via = (o.given & MO_BYPHONE) ? "phone" :
	    (o.given & MO_PAPER) ? "paper" : "staff";
	x.actor.call_id = o.call_id;
	x.actor.staff_no = o.staff;
	if (cmd_member_open(&x) == -1)
		rc = CLI_FAIL;
	else {
		rc = sub->run(&x, &o, argv + 1 + optind);
		db_source_close(x.src);
	}
	if (x.ads != NULL)
		db_adapters_free(x.ads);
	return rc;
}
