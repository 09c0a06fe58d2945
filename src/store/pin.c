/*
 * pin.c: member and staff PINs, kept only as PBKDF2-HMAC-SHA256 hashes
 * (RFC 8018) in the text form "pbkdf2-sha256$ITERATIONS$SALT$HASH", salt
 * and hash in lower-case hex.  OpenSSL does the hashing and the salt.
 * The lockout (wrong PINs in a row, then a cool-down) is counted here for
 * members and staff alike.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "db/db.h"
#include "store/store.h"
#include "util/util.h"

#define PIN_ITER     100000
#define PIN_SALT     16
#define PIN_HASH     32
#define PIN_PREFIX   "pbkdf2-sha256$"

static void
pin_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
pin_unhex(const char *s, size_t len, unsigned char *out, size_t max)
{
	size_t i;
	int hi, lo;

	if (len % 2 != 0 || len / 2 > max)
		return -1;
	for (i = 0; i < len / 2; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

static int
pin_derive(const char *pin, const unsigned char *salt, size_t nsalt,
    int iter, unsigned char *hash)
{
	return PKCS5_PBKDF2_HMAC(pin, (int)strlen(pin), salt, (int)nsalt, iter,
	    EVP_sha256(), PIN_HASH, hash) == 1 ? 0 : -1;
}

int
store_pin_hash(const char *pin, char **out, char **cause)
{
	return store_pin_hash_iter(pin, PIN_ITER, out, cause);
}

int
store_pin_hash_iter(const char *pin, int iter, char **out, char **cause)
{
	unsigned char salt[PIN_SALT], hash[PIN_HASH];
	char hsalt[2 * PIN_SALT + 1], hhash[2 * PIN_HASH + 1];

	if (pin == NULL || *pin == '\0')
		return kf_error(cause, "empty PIN");
	if (iter < 1000 || iter > 10000000)
		return kf_error(cause, "PIN hash: %d iterations is outside "
		    "1000..10000000", iter);
	if (RAND_bytes(salt, sizeof salt) != 1)
		return kf_error(cause, "no random bytes for the PIN salt");
	if (pin_derive(pin, salt, sizeof salt, iter, hash) == -1)
		return kf_error(cause, "PBKDF2 failed");
	pin_hex(salt, sizeof salt, hsalt);
	pin_hex(hash, sizeof hash, hhash);
	OPENSSL_cleanse(hash, sizeof hash);
	*out = xasprintf(PIN_PREFIX "%d$%s$%s", iter, hsalt, hhash);
	return 0;
}

int
store_pin_verify(const char *pin, const char *stored)
{
	unsigned char salt[64], want[PIN_HASH], got[PIN_HASH];
	const char *p, *d1, *d2;
	long long iter;
	const char *errstr;
	char num[16];
	int nsalt, ok;

	if (pin == NULL || stored == NULL || !str_prefix(stored, PIN_PREFIX))
		return 0;
	p = stored + strlen(PIN_PREFIX);
	if ((d1 = strchr(p, '$')) == NULL || (d2 = strchr(d1 + 1, '$')) ==
	    NULL || (size_t)(d1 - p) >= sizeof num)
		return 0;
	memcpy(num, p, (size_t)(d1 - p));
	num[d1 - p] = '\0';
	if (str_tonum(num, 1000, 10000000, &iter, &errstr) == -1)
		return 0;
	if ((nsalt = pin_unhex(d1 + 1, (size_t)(d2 - d1 - 1), salt,
	    sizeof salt)) <= 0 ||
	    pin_unhex(d2 + 1, strlen(d2 + 1), want, sizeof want) != PIN_HASH)
		return 0;
	if (pin_derive(pin, salt, (size_t)nsalt, (int)iter, got) == -1)
		return 0;
	ok = CRYPTO_memcmp(got, want, PIN_HASH) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}

/* Run one statement on r's row; the key is the last parameter. */
static int
pin_exec(struct db_source *src, const struct store_pin_row *r,
    const char *set, struct db_param *p, size_t np, char **cause)
{
	struct db_query q = { .params = p, .nparams = np + 1, .writes = 1 };
	struct db_result *res;
	struct db_err err;
	char *sql;
	int rc;

	p[np] = *r->key;
	sql = xasprintf("UPDATE %s SET %s WHERE %s = ?", r->table, set,
	    r->keycol);
	q.sql = sql;
	rc = db_run(src, &q, &res, &err);
	free(sql);
	if (rc == -1)
		return kf_error(cause, "%s: %s", r->who, store_errmsg(src,
		    &err));
	db_result_free(res);
	return 0;
}

int
store_pin_reset(struct db_source *src, const struct store_pin_row *r,
    char **cause)
{
	struct db_param p[1];

	return pin_exec(src, r, "pin_failures = 0, locked_until = NULL", p,
	    0, cause);
}

/* r's count and lock after a wrong PIN: *until malloc'd or NULL. */
static int
pin_count(struct db_source *src, const struct store_pin_row *r,
    int *failures, char **until, char **cause)
{
	static const enum db_vtype types[] = { DBV_INT, DBV_TIMESTAMP };
	struct db_query q = { .params = r->key, .nparams = 1,
	    .coltypes = types, .ncoltypes = nitems(types) };
	struct db_result *res;
	struct db_err err;
	char *sql;
	int rc;

	*failures = 0;
	*until = NULL;
	sql = xasprintf("SELECT pin_failures, locked_until FROM %s WHERE "
	    "%s = ?", r->table, r->keycol);
	q.sql = sql;
	rc = db_run(src, &q, &res, &err);
	free(sql);
	if (rc == -1)
		return kf_error(cause, "%s: %s", r->who, store_errmsg(src,
		    &err));
	if (res->nrows > 0) {
		*failures = (int)DB_CELL(res, 0, 0)->i;
		if (!DB_CELL(res, 0, 1)->null)
			*until = xstrdup(DB_CELL(res, 0, 1)->s);
	}
	db_result_free(res);
	return 0;
}

int
store_pin_wrong(struct db_source *src, const struct store_pin_row *r,
    int fresh, const struct store_member_policy *pol, const char *now,
    int *left, char **cause)
{
	char until[STORE_STAMP_LEN], *locked;
	struct db_param p[3];
	int failures;

	if (store_stamp_later(now, pol->pin_lockout_ms, until) == NULL)
		return kf_error(cause, "bad time '%s'", now);
	if (fresh && store_pin_reset(src, r, cause) == -1)
		return -1;
	p[0] = (struct db_param){ .type = DBV_INT, .i = pol->pin_attempts };
	p[1] = (struct db_param){ .type = DBV_TIMESTAMP, .s = until };
	/* locked_until first: MySQL assigns left to right. */
	if (pin_exec(src, r, "locked_until = CASE WHEN pin_failures + 1 >= ? "
	    "THEN ? ELSE locked_until END, pin_failures = pin_failures + 1",
	    p, 2, cause) == -1 ||
	    pin_count(src, r, &failures, &locked, cause) == -1)
		return -1;
	*left = pol->pin_attempts - failures;
	if (*left < 0)
		*left = 0;
	if (locked != NULL && *left == 0)
		log_warnx("%s: locked until %s after %d wrong PINs in a row "
		    "(%s lifts it)", r->who, locked, failures, r->lift);
	else
		log_info("%s: wrong PIN (%d of %d)", r->who, failures,
		    pol->pin_attempts);
	free(locked);
	return 0;
}
