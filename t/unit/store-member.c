/*
 * Unit tests for src/store/member.c: customer numbers and their Luhn
 * check digit, and the member store on SQLite (always), PostgreSQL
 * (KEFU_TEST_PG, a schema of its own) and MariaDB (KEFU_TEST_MARIADB, a
 * database of its own): the registration rules on paper and by phone,
 * changes by phone refusing address and e-mail, services and the consent
 * ledger, the upgrade to paper, PIN lockout and cool-down, desk lock,
 * close, list filters, and no PIN in the log.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/conf.h"
#include "db/db.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"
#include "t/store-engines.h"

static char *sqldir;
static struct db_adapters *ads;
static const struct store_member_policy pol = { 5, 60 * 1000, 1000 };

static void
test_check_digit(void)
{
	char no[9], body[8];
	int d, i, misses = 0, swaps = 0;

	/* The textbook Luhn example: 7992739871 gets 3. */
	is_int(store_member_check_digit("7992739871"), '3',
	    "Luhn check digit of 7992739871 is 3");
	is_int(store_member_check_digit("1234567"), '4',
	    "check digit of 1234567 is 4");
	is_int(store_member_check_digit("12a4567"), 0, "a letter: no digit");
	ok(store_member_no_valid("12345674"), "12345674 is valid");
	ok(!store_member_no_valid("12345675"), "12345675 is not");
	ok(!store_member_no_valid("1234567"), "seven digits are not");
	ok(!store_member_no_valid("02345678"), "a leading 0 is not");
	ok(!store_member_no_valid(NULL), "NULL is not");
	/* Every single wrong digit is caught, at every position. */
	memcpy(body, "3141592", 8);
	memcpy(no, body, 7);
	no[7] = store_member_check_digit(body);
	no[8] = '\0';
	for (i = 0; i < 8; i++)
		for (d = '0'; d <= '9'; d++) {
			char c = no[i];

			if (d == c || (i == 0 && d == '0'))
				continue;
			no[i] = (char)d;
			misses += store_member_no_valid(no);
			no[i] = c;
		}
	is_int(misses, 0, "every one-digit error is caught");
	/* Adjacent swaps are caught except 0<->9 (Luhn's known blind spot). */
	memcpy(no, "5827361", 7);
	no[7] = store_member_check_digit("5827361");
	for (i = 0; i < 7; i++) {
		char a = no[i], b = no[i + 1];

		if (a == b || (i == 0 && b == '0'))
			continue;
		no[i] = b;
		no[i + 1] = a;
		swaps += store_member_no_valid(no);
		no[i] = a;
		no[i + 1] = b;
	}
	is_int(swaps, 0, "every swap of neighbours is caught");
	ok(store_member_pin_valid("1234") && store_member_pin_valid("12345678"),
	    "PINs of 4 and 8 digits are valid");
	ok(!store_member_pin_valid("123") && !store_member_pin_valid(
	    "123456789") && !store_member_pin_valid("12a4") &&
	    !store_member_pin_valid(""), "3, 9 digits, letters, empty: not");
}

/* Add a member, returning its number in no (or "" when refused). */
static int
add(struct db_source *src, const char *via, const struct store_member_fields
    *f, int services, const char *pin, char no[9], char **cause)
{
	struct store_member_new m = { .f = *f, .via = via,
	    .services = services, .pin = pin };
	struct store_member_actor a = { .via = via, .staff_no = "S01" };

	no[0] = '\0';
	free(*cause);
	*cause = NULL;
	return store_member_add(src, &m, &a, &pol, no, cause);
}

static void
test_register(struct db_source *src, const char *l, char paper[9],
    char phone[9])
{
	struct store_member_fields f = { .name = "张三", .mobile =
	    "13800138000", .email = "zs@example.cn", .address = "北京路1号",
	    .birthday = "1980-02-29" };
	struct store_member_fields fp = { .mobile = "13900000001",
	    .language = "yue" };
	struct store_member *m = NULL;
	char no[9], *cause = NULL;

	ok(add(src, "paper", &f, -1, NULL, paper, &cause) == 0,
	    "%s: register on paper", l);
	ok(store_member_no_valid(paper), "%s: the number issued (%s) has a "
	    "valid check digit", l, paper);
	ok(store_member_get(src, paper, &m, &cause) == 0, "%s: read back", l);
	if (m != NULL) {
		is_int(m->services, MEMBER_SVC_ALL, "%s: paper: every service",
		    l);
		is_str(m->name, "张三", "%s: the Chinese name", l);
		is_str(m->birthday, "1980-02-29", "%s: the birthday", l);
		is_str(m->registered_via, "paper", "%s: via paper", l);
		is_int(m->has_pin, 0, "%s: no PIN yet", l);
		store_member_free(m);
		m = NULL;
	}
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "via = 'paper' AND action = 'subscribe' AND staff_no = 'S01'"), 3,
	    "%s: three consent rows, via paper, with the staff number", l);

	ok(add(src, "phone", &fp, -1, "739146", phone, &cause) == 0,
	    "%s: register by phone", l);
	ok(store_member_get(src, phone, &m, &cause) == 0, "%s: read it", l);
	if (m != NULL) {
		is_int(m->services, MEMBER_SVC_SMS, "%s: phone: SMS only", l);
		is_int(m->has_pin, 1, "%s: with its PIN", l);
		is_str(m->language, "yue", "%s: in Cantonese", l);
		store_member_free(m);
	}
	fp.email = "x@example.cn";
	ok(add(src, "phone", &fp, -1, NULL, no, &cause) == -1,
	    "%s: by phone, an e-mail is refused", l);
	like(cause, "e-mail", "%s: and said so", l);
	fp.email = NULL;
	fp.address = "南京路";
	ok(add(src, "phone", &fp, -1, NULL, no, &cause) == -1,
	    "%s: by phone, an address is refused", l);
	like(cause, "home address", "%s: and said so", l);
	fp.address = NULL;
	ok(add(src, "phone", &fp, MEMBER_SVC_ORDER, NULL, no, &cause) == -1,
	    "%s: by phone, phone ordering is refused", l);
	like(cause, "paper form", "%s: pointing to the paper form", l);
	ok(add(src, "phone", &fp, -1, "12", no, &cause) == -1,
	    "%s: a 2-digit PIN is refused", l);
	ok(add(src, "fax", &fp, -1, NULL, no, &cause) == -1,
	    "%s: registering by fax is refused", l);
	ok(add(src, "paper", &(struct store_member_fields){ .email =
	    "a@example.cn" }, -1, NULL, no, &cause) == -1,
	    "%s: a member with neither name nor number is refused", l);
	like(cause, "needs a name, a phone or a mobile", "%s: and said so", l);
	f.email = NULL;
	f.mobile = NULL;
	ok(add(src, "paper", &f, -1, NULL, no, &cause) == 0 &&
	    store_member_get(src, no, &m, &cause) == 0,
	    "%s: paper without mobile or e-mail", l);
	if (m != NULL) {
		is_int(m->services, MEMBER_SVC_ORDER,
		    "%s: gets what it can receive: phone ordering", l);
		store_member_free(m);
	}
	ok(add(src, "paper", &f, MEMBER_SVC_SMS, NULL, no, &cause) == -1,
	    "%s: SMS without a mobile is refused", l);
	f.birthday = "1981-02-29";
	ok(add(src, "paper", &f, -1, NULL, no, &cause) == -1,
	    "%s: 29 February 1981 is refused", l);
	like(cause, "birthday", "%s: naming the field", l);
	free(cause);
}

static void
test_numbers(struct db_source *src, const char *l, const char *taken)
{
	struct store_member_new m = { .via = "paper", .services = 0,
	    .f = { .name = "李四" } };
	struct store_member_actor a = { .via = "staff" };
	struct store_member *got;
	char no[9], bad[9], *cause = NULL;

	m.customer_no = "12345674";
	ok(store_member_add(src, &m, &a, &pol, no, &cause) == 0,
	    "%s: a given valid number is kept", l);
	is_str(no, "12345674", "%s: as given", l);
	m.customer_no = taken;
	ok(store_member_add(src, &m, &a, &pol, no, &cause) == -1,
	    "%s: a number already taken is refused", l);
	like(cause, "already taken", "%s: and said so", l);
	free(cause);
	cause = NULL;
	m.customer_no = "12345675";
	ok(store_member_add(src, &m, &a, &pol, no, &cause) == -1,
	    "%s: a wrong check digit is refused", l);
	free(cause);
	cause = NULL;
	memcpy(bad, taken, 9);
	bad[7] = bad[7] == '9' ? '0' : (char)(bad[7] + 1);
	ok(store_member_get(src, bad, &got, &cause) == -1,
	    "%s: looking up a mistyped number fails", l);
	like(cause, "not a customer number", "%s: as a bad number", l);
	free(cause);
}

static void
test_set(struct db_source *src, const char *l, const char *no)
{
	struct store_member_actor phone = { .via = "phone", .call_id = 77 };
	struct store_member_actor desk = { .via = "staff", .staff_no = "S02" };
	struct store_member_fields f = { .address = "上海路2号" };
	struct store_member *m = NULL;
	char *cause = NULL;

	ok(store_member_set(src, no, &f, &phone, &cause) == -1,
	    "%s: the address is refused by phone", l);
	like(cause, "only the service desk", "%s: saying who may", l);
	free(cause);
	cause = NULL;
	f = (struct store_member_fields){ .email = "n@example.cn" };
	ok(store_member_set(src, no, &f, &phone, &cause) == -1,
	    "%s: the e-mail is refused by phone", l);
	free(cause);
	cause = NULL;
	f = (struct store_member_fields){ .mobile = "13700000002",
	    .phone = "020-1234" };
	ok(store_member_set(src, no, &f, &phone, &cause) == -1,
	    "%s: a phone with a dash is refused", l);
	like(cause, "not a phone number", "%s: as not a number", l);
	free(cause);
	cause = NULL;
	f.phone = "0201234567";
	f.language = "zh-CN";
	ok(store_member_set(src, no, &f, &phone, &cause) == 0,
	    "%s: mobile, phone and language change by phone", l);
	f = (struct store_member_fields){ .address = "上海路2号" };
	ok(store_member_set(src, no, &f, &desk, &cause) == 0,
	    "%s: the desk changes the address", l);
	f = (struct store_member_fields){ .mobile = "" };
	ok(store_member_set(src, no, &f, &desk, &cause) == -1,
	    "%s: clearing the mobile of an SMS member is refused", l);
	free(cause);
	cause = NULL;
	ok(store_member_get(src, no, &m, &cause) == 0, "%s: read back", l);
	if (m != NULL) {
		is_str(m->mobile, "13700000002", "%s: the new mobile", l);
		is_str(m->address, "上海路2号", "%s: the new address", l);
		is_str(m->language, "zh-CN", "%s: the new language", l);
		store_member_free(m);
	}
}

static void
test_services(struct db_source *src, const char *l, const char *phone_no)
{
	struct store_member_actor phone = { .via = "phone", .call_id = 4242,
	    .call_ref = "L2-1733486400123" };
	struct store_member_actor paper = { .via = "paper", .staff_no = "S03" };
	struct store_member *m = NULL;
	char *cause = NULL;
	int changed = -1;

	ok(store_member_service(src, phone_no, MEMBER_SVC_ORDER, 1, &paper,
	    &changed, &cause) == -1, "%s: a phone member cannot get phone "
	    "ordering", l);
	like(cause, "--paper", "%s: the error says how to upgrade", l);
	free(cause);
	cause = NULL;
	ok(store_member_service(src, phone_no, MEMBER_SVC_SMS, 0, &phone,
	    &changed, &cause) == 0 && changed == 1, "%s: SMS cancelled by "
	    "phone", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "call_id = 4242 AND via = 'phone' AND action = 'unsubscribe' AND "
	    "service = 'sms'"), 1, "%s: the ledger has it with the call id", l);
	ok(store_member_service(src, phone_no, MEMBER_SVC_SMS, 0, &phone,
	    &changed, &cause) == 0 && changed == 0, "%s: cancelling again "
	    "changes nothing", l);
	ok(store_member_service(src, phone_no, MEMBER_SVC_SMS, 1, &phone,
	    &changed, &cause) == 0 && changed == 1, "%s: SMS subscribed "
	    "again by phone", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "call_id = 4242"), 2, "%s: two ledger rows for that call", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "call_ref = 'L2-1733486400123'"), 2, "%s: both with the call's "
	    "reference", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "call_ref IS NOT NULL"), 2, "%s: and only they (the desk's have "
	    "none)", l);

	ok(store_member_upgrade(src, phone_no, &paper, &cause) == 0,
	    "%s: the phone member signs the paper form", l);
	ok(store_member_get(src, phone_no, &m, &cause) == 0,
	    "%s: found under the same number", l);
	if (m != NULL) {
		is_str(m->registered_via, "paper", "%s: now on paper", l);
		is_int(m->services, MEMBER_SVC_SMS | MEMBER_SVC_ORDER,
		    "%s: with phone ordering", l);
		store_member_free(m);
	}
	ok(store_member_upgrade(src, phone_no, &paper, &cause) == -1,
	    "%s: upgrading twice is refused", l);
	free(cause);
	cause = NULL;
	ok(store_member_service(src, phone_no, MEMBER_SVC_EMAIL, 1, &paper,
	    &changed, &cause) == -1, "%s: e-mail without an address is "
	    "refused", l);
	free(cause);
}

static void
test_pin(struct db_source *src, const char *l, const char *no)
{
	enum store_pin_result r = STORE_PIN_OK;
	struct store_member *m = NULL;
	char *cause = NULL;
	int i, left = -1, lefts = 0;

	ok(store_member_pin_check(src, no, "739146", &pol,
	    "2026-11-22 10:00:00", &r, &left, &cause) == 0 &&
	    r == STORE_PIN_OK, "%s: the PIN given by phone is right", l);
	for (i = 1; i <= 4; i++) {
		store_member_pin_check(src, no, "864209", &pol,
		    "2026-11-22 10:00:01", &r, &left, &cause);
		lefts += r == STORE_PIN_WRONG && left == 5 - i;
	}
	is_int(lefts, 4, "%s: four wrong PINs, the tries left count down", l);
	ok(store_member_pin_check(src, no, "864209", &pol,
	    "2026-11-22 10:00:02", &r, &left, &cause) == 0 &&
	    r == STORE_PIN_WRONG && left == 0,
	    "%s: the fifth wrong PIN leaves none", l);
	ok(store_member_pin_check(src, no, "739146", &pol,
	    "2026-11-22 10:00:30", &r, &left, &cause) == 0 &&
	    r == STORE_PIN_LOCKED,
	    "%s: locked: even the right PIN is not tried", l);
	ok(store_member_get(src, no, &m, &cause) == 0 && m->locked_until !=
	    NULL && str_prefix(m->locked_until, "2026-11-22 10:01:02"),
	    "%s: locked until a minute after the fifth (%s)", l,
	    m && m->locked_until ? m->locked_until : "none");
	store_member_free(m);
	ok(store_member_pin_check(src, no, "864209", &pol,
	    "2026-11-22 10:01:03", &r, &left, &cause) == 0 &&
	    r == STORE_PIN_WRONG && left == 4,
	    "%s: after the cool-down the count starts over", l);
	ok(store_member_pin_check(src, no, "739146", &pol,
	    "2026-11-22 10:01:04", &r, &left, &cause) == 0 &&
	    r == STORE_PIN_OK, "%s: and the right PIN works", l);

	ok(store_member_lock(src, no, 1, &cause) == 0, "%s: desk lock", l);
	ok(store_member_pin_check(src, no, "739146", &pol, NULL, &r, &left,
	    &cause) == 0 && r == STORE_PIN_LOCKED, "%s: locked by the desk", l);
	ok(store_member_lock(src, no, 0, &cause) == 0, "%s: unlock", l);
	ok(store_member_pin_check(src, no, "739146", &pol, NULL, &r, &left,
	    &cause) == 0 && r == STORE_PIN_OK, "%s: open again", l);
	ok(store_member_pin_set(src, no, "60718293", &pol, &cause) == 0,
	    "%s: a new 8-digit PIN", l);
	ok(store_member_pin_check(src, no, "739146", &pol, NULL, &r, &left,
	    &cause) == 0 && r == STORE_PIN_WRONG, "%s: the old one is wrong",
	    l);
	ok(store_member_pin_check(src, no, "60718293", &pol, NULL, &r, &left,
	    &cause) == 0 && r == STORE_PIN_OK, "%s: the new one right", l);
	ok(store_member_pin_set(src, no, "12345", &pol, &cause) == 0 &&
	    store_test_count(src,
	    "SELECT COUNT(*) FROM members WHERE pin_hash LIKE "
	    "'pbkdf2-sha256$1000$%'") >= 1, "%s: the hash keeps its iteration "
	    "count", l);
	ok(store_member_pin_set(src, no, "12a45", &pol, &cause) == -1,
	    "%s: a PIN with a letter is refused", l);
	free(cause);
}

static void
test_list_close(struct db_source *src, const char *l, const char *paper,
    const char *phone)
{
	struct store_member_actor desk = { .via = "staff", .staff_no = "S04" };
	struct store_member_filter f = { 0 };
	struct store_member_fields ch = { .note = "x" };
	enum store_pin_result r;
	struct store_member *m;
	char *cause = NULL;
	size_t n = 0;

	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 4,
	    "%s: four members in all (%zu)", l, n);
	store_members_free(m, n);
	f.name = "张";
	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 2,
	    "%s: two named 张", l);
	store_members_free(m, n);
	f.name = "%";
	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 0,
	    "%s: %% is taken literally", l);
	store_members_free(m, n);
	f = (struct store_member_filter){ .number = "13700000002" };
	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 1 &&
	    strcmp(m[0].customer_no, paper) == 0, "%s: found by mobile "
	    "(caller ID)", l);
	store_members_free(m, n);
	f = (struct store_member_filter){ .service = MEMBER_SVC_SMS };
	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 2,
	    "%s: two with SMS specials", l);
	store_members_free(m, n);

	ok(store_member_close(src, phone, &desk, &cause) == 0,
	    "%s: close a member", l);
	ok(store_member_get(src, phone, &m, &cause) == 0 && m->services == 0 &&
	    strcmp(m->status, "closed") == 0 && !m->has_pin,
	    "%s: closed, no services, no PIN", l);
	store_member_free(m);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM consent_ledger WHERE "
	    "staff_no = 'S04' AND action = 'unsubscribe'"), 2,
	    "%s: each service cancelled in the ledger", l);
	ok(store_member_pin_check(src, phone, "12345", &pol, NULL, &r, NULL,
	    &cause) == 0 && r == STORE_PIN_CLOSED, "%s: a closed member's "
	    "PIN is not checked", l);
	ok(store_member_set(src, phone, &ch, &desk, &cause) == -1,
	    "%s: a closed member cannot be changed", l);
	like(cause, "is closed", "%s: and says so", l);
	free(cause);
	f = (struct store_member_filter){ .status = "active", .via = "paper" };
	ok(store_member_list(src, &f, &m, &n, &cause) == 0 && n == 3,
	    "%s: three active on paper", l);
	store_members_free(m, n);
}

/*
 * A registration is one transaction: with the consent ledger gone, the
 * members row (written first) must not stay behind either.
 */
static void
test_atomic(struct db_source *src, const char *l)
{
	struct store_member_fields f = { .name = "王五", .mobile =
	    "13700000007" };
	long long before = store_test_count(src,
	    "SELECT COUNT(*) FROM members");
	char no[9], *cause = NULL;

	ok(store_test_exec(src, "ALTER TABLE consent_ledger RENAME TO "
	    "consent_ledger_off") == 0, "%s: the consent ledger renamed away",
	    l);
	ok(add(src, "paper", &f, -1, "2468", no, &cause) == -1,
	    "%s: registering then fails (at the ledger row)", l);
	like(cause, "consent_ledger", "%s: naming the ledger", l);
	is_int(store_test_count(src, "SELECT COUNT(*) FROM members"), before,
	    "%s: and leaves no members row behind", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM member_services s WHERE NOT "
	    "EXISTS (SELECT 1 FROM members m WHERE m.id = s.member_id)"), 0,
	    "%s: nor a services row", l);
	ok(store_test_exec(src, "ALTER TABLE consent_ledger_off RENAME TO "
	    "consent_ledger") == 0, "%s: the ledger back", l);
	ok(add(src, "paper", &f, -1, "2468", no, &cause) == 0,
	    "%s: then the same registration succeeds", l);
	is_int(store_test_count(src,
	    "SELECT COUNT(*) FROM members WHERE mobile = "
	    "'13700000007'"), 1, "%s: once", l);
	free(cause);
}

/* The national form of every way a number is written, and its forms. */
static void
test_phone(void)
{
	static const char *const mob[] = { "13800138000", "+86 13800138000",
	    "+8613800138000", "008613800138000", "0086 138-0013-8000",
	    "8613800138000", "013800138000", "(+86) 138 0013 8000" };
	static const char *const land[] = { "02088888888", "020-88888888",
	    "+86 20 8888 8888", "+862088888888", "00862088888888",
	    "862088888888", "(020) 8888-8888" };
	static const struct {
		const char *in, *area, *want;
	} notrunk[] = {
		{ "2112345678", "021", "02112345678" },
		{ "21 1234 5678", "021", "02112345678" },
		{ "1012345678", "010", "01012345678" },
		{ "7551234567", "0755", "07551234567" },
		{ "75512345678", "0755", "075512345678" },
		{ "2088888888", "020", "02088888888" },
	}, intl[] = {
		{ "+1 212 555 1234", NULL, "+12125551234" },
		{ "001 212 555 1234", NULL, "+12125551234" },
		{ "0012125551234", NULL, "+12125551234" },
		{ "+44 20 7946 0958", NULL, "+442079460958" },
		{ "+682 12345", NULL, "+68212345" },
		{ "00682 12345", NULL, "+68212345" },
		{ "+852 2345 6789", NULL, "+85223456789" },
	};
	char out[STORE_PHONE_LEN], forms[STORE_PHONE_FORMS][STORE_PHONE_LEN];
	size_t i, n;

	for (i = 0; i < nitems(mob); i++)
		ok(store_phone_national(mob[i], NULL, out, sizeof out) == 0 &&
		    strcmp(out, "13800138000") == 0, "%s is the mobile "
		    "13800138000 (%s)", mob[i], out);
	for (i = 0; i < nitems(land); i++)
		ok(store_phone_national(land[i], "020", out, sizeof out) == 0 &&
		    strcmp(out, "02088888888") == 0, "%s is the landline "
		    "02088888888 (%s)", land[i], out);
	ok(store_phone_national("88888888", "020", out, sizeof out) == 0 &&
	    strcmp(out, "02088888888") == 0,
	    "a local 88888888 with area code 020 is 02088888888 (%s)", out);
	ok(store_phone_national("88888888", NULL, out, sizeof out) == 0 &&
	    strcmp(out, "88888888") == 0, "... without one it stays local");
	ok(store_phone_national("+86 755 1234 5678", NULL, out, sizeof out) ==
	    0 && strcmp(out, "075512345678") == 0,
	    "+86 755 1234 5678 is 075512345678 (%s)", out);
	ok(store_phone_national("10086", "020", out, sizeof out) == 0 &&
	    strcmp(out, "10086") == 0, "a service number stays (%s)", out);
	ok(store_phone_national("86123456", "020", out, sizeof out) == 0 &&
	    strcmp(out, "02086123456") == 0,
	    "a local number starting 86 is not a country code (%s)", out);
	ok(store_phone_national("138x0013", NULL, out, sizeof out) == -1 &&
	    store_phone_national("12", NULL, out, sizeof out) == -1 &&
	    store_phone_national("138+0013", NULL, out, sizeof out) == -1,
	    "letters, two digits, a + inside: not numbers");
	/* the area's own numbers without their trunk 0 */
	for (i = 0; i < nitems(notrunk); i++)
		ok(store_phone_national(notrunk[i].in, notrunk[i].area, out,
		    sizeof out) == 0 && strcmp(out, notrunk[i].want) == 0,
		    "%s with area code %s is %s (%s)", notrunk[i].in,
		    notrunk[i].area, notrunk[i].want, out);
	ok(store_phone_national("2012345678", "021", out, sizeof out) == 0 &&
	    strcmp(out, "2012345678") == 0, "another area's number without "
	    "its 0 is not taken for the area's own (%s)", out);
	ok(store_phone_national("13800138000", "013", out, sizeof out) == 0 &&
	    strcmp(out, "13800138000") == 0, "a mobile stays a mobile (%s)",
	    out);
	/* foreign numbers stay international, never local */
	for (i = 0; i < nitems(intl); i++)
		ok(store_phone_national(intl[i].in, "020", out, sizeof out) ==
		    0 && strcmp(out, intl[i].want) == 0,
		    "%s is the international %s (%s)", intl[i].in,
		    intl[i].want, out);
	n = store_phone_forms("+12125551234", forms, STORE_PHONE_FORMS);
	ok(n == 2 && strcmp(forms[0], "+12125551234") == 0 &&
	    strcmp(forms[1], "0012125551234") == 0,
	    "a foreign number's stored forms: +1..., 001... (%zu)", n);
	n = store_phone_forms("13800138000", forms, STORE_PHONE_FORMS);
	ok(n == 5 && strcmp(forms[0], "13800138000") == 0 &&
	    strcmp(forms[1], "013800138000") == 0 &&
	    strcmp(forms[2], "+8613800138000") == 0 &&
	    strcmp(forms[4], "008613800138000") == 0,
	    "a mobile's stored forms (%zu)", n);
	n = store_phone_forms("02088888888", forms, STORE_PHONE_FORMS);
	ok(n == 5 && strcmp(forms[1], "88888888") == 0 &&
	    strcmp(forms[2], "+862088888888") == 0 &&
	    strcmp(forms[3], "862088888888") == 0,
	    "a landline's stored forms, its local number too (%zu)", n);
	n = store_phone_forms("075512345678", forms, STORE_PHONE_FORMS);
	ok(n == 5 && strcmp(forms[1], "12345678") == 0,
	    "a four-digit area code is cut off whole (%s)", forms[1]);
}

/* One member found by caller ID in every form of its numbers. */
static void
test_caller(struct db_source *src, const char *l)
{
	static const char *const ids[] = { "+86 13600136000", "13600136000",
	    "008613600136000", "8613600136000", "013600136000",
	    "020-86668666", "+862086668666", "86668666", "2086668666" };
	struct store_member_fields f = { .name = "李四", .mobile =
	    "+8613600136000", .phone = "02086668666", .address = "x" };
	struct store_member_filter q = { .area = "020" };
	struct store_member *m;
	char no[9], *cause = NULL;
	size_t i, n;

	ok(add(src, "paper", &f, -1, NULL, no, &cause) == 0,
	    "%s: a member whose mobile was written +86...: %s", l,
	    cause ? cause : no);
	for (i = 0; i < nitems(ids); i++) {
		q.number = ids[i];
		n = 0;
		ok(store_member_list(src, &q, &m, &n, &cause) == 0 && n == 1 &&
		    strcmp(m[0].customer_no, no) == 0,
		    "%s: caller ID %s finds %s (%zu)", l, ids[i], no, n);
		store_members_free(m, n);
	}
	q.number = "13600136001";
	ok(store_member_list(src, &q, &m, &n, &cause) == 0 && n == 0,
	    "%s: a number one digit off finds none", l);
	store_members_free(m, n);
	free(cause);
}

static void
test_engine(const char *l, struct conf_datasource *ds)
{
	struct strbuf logs = STRBUF_INIT;
	struct db_source *src;
	char *cause = NULL, paper[9], phone[9];

	if (store_test_open(ads, ds, sqldir, &src, &cause) == -1) {
		ok(0, "%s: open and init: %s", l, cause);
		free(cause);
		return;
	}
	log_set_level(KLOG_DEBUG);
	log_capture(&logs);
	test_register(src, l, paper, phone);
	test_numbers(src, l, paper);
	test_set(src, l, paper);
	test_services(src, l, phone);
	test_pin(src, l, phone);
	test_list_close(src, l, paper, phone);
	test_atomic(src, l);
	test_caller(src, l);
	log_capture(NULL);
	log_set_level(KLOG_WARN);
	like(sb_str(&logs), "wrong PIN (1 of 5)", "%s: the log counts wrong "
	    "PINs", l);
	like(sb_str(&logs), "locked until", "%s: and says when it locks", l);
	ok(strstr(sb_str(&logs), "739146") == NULL &&
	    strstr(sb_str(&logs), "60718293") == NULL &&
	    strstr(sb_str(&logs), "864209") == NULL,
	    "%s: no PIN in the log (%zu bytes)", l, logs.len);
	sb_free(&logs);
	db_source_close(src);
}

int
main(void)
{
	ads = store_test_setup(&sqldir);
	test_check_digit();
	test_phone();
	store_test_engines(ads, "m", test_engine);
	store_test_teardown(ads, sqldir);
	return tap_done();
}
