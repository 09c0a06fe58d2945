/*
 * Unit tests for src/store/demo.c: the built-in catalog's demo data is
 * deterministic, big enough, and every barcode, name, price and date in
 * it is well-formed.  No database needed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/util.h"
#include "../tap.h"

#define DAY "2026-11-22"

/* Valid UTF-8 holding at least one CJK ideograph (U+4E00..U+9FFF). */
static int
utf8_chinese(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned cp;
	int n, i, cjk = 0;

	if (*p == '\0')
		return 0;
	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			n = 3;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp >= 0x4e00 && cp <= 0x9fff)
			cjk = 1;
		p += n + 1;
	}
	return cjk;
}

static int
price_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 4 || s[len - 3] != '.' || strcmp(s, "0.00") == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (i != len - 3 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Count duplicates in an array of strings (sorted in place). */
static size_t
dups(char **v, size_t n)
{
	size_t i, d = 0;

	qsort(v, n, sizeof *v, str_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			d++;
	return d;
}

static void
test_ean13(void)
{
	is_int(demo_ean13_check("400638133393"), '1',
	    "check digit of 400638133393 is 1");
	is_int(demo_ean13_check("590123412345"), '7',
	    "check digit of 590123412345 is 7");
	ok(demo_ean13_valid("4006381333931"), "4006381333931 is valid");
	ok(!demo_ean13_valid("4006381333932"),
	    "a wrong check digit is refused");
	ok(!demo_ean13_valid("400638133393"), "12 digits are refused");
	ok(!demo_ean13_valid("40063813339311"), "14 digits are refused");
	ok(!demo_ean13_valid("40063813339a1"), "a letter is refused");
	ok(!demo_ean13_valid(""), "the empty string is refused");
	ok(!demo_ean13_valid(NULL), "NULL is refused");
}

static void
test_dates(void)
{
	char out[11];

	ok(demo_date_add("2026-12-31", 1, out) == 0 &&
	    strcmp(out, "2027-01-01") == 0, "a day after 2026-12-31");
	ok(demo_date_add("2028-02-28", 1, out) == 0 &&
	    strcmp(out, "2028-02-29") == 0, "leap day 2028");
	ok(demo_date_add("2026-03-01", -1, out) == 0 &&
	    strcmp(out, "2026-02-28") == 0, "the day before 2026-03-01");
	ok(demo_date_add("2026-02-30", 0, out) == -1, "2026-02-30 is refused");
	ok(demo_date_add("20261122", 0, out) == -1, "20261122 is refused");
	ok(demo_date_add("2026-11-22x", 0, out) == -1,
	    "trailing garbage is refused");
}

static void
test_bad_build(void)
{
	struct demo *d = NULL;
	char *cause = NULL;

	ok(demo_build(1, "2026-13-01", &d, &cause) == -1 && d == NULL,
	    "demo_build refuses month 13");
	like(cause, "bad date", "and says why");
	free(cause);
	cause = NULL;
	ok(demo_build(1, NULL, &d, &cause) == -1, "demo_build refuses no date");
	free(cause);
}

static void
test_products(const struct demo *d)
{
	char **codes, **plus;
	size_t i, bad_ean = 0, bad_prefix = 0, bad_name = 0, bad_price = 0,
	    bad_plu = 0, bad_spec = 0;

	ok(d->nproducts >= 2000, "at least 2000 products (%zu)", d->nproducts);
	codes = xcalloc(d->nproducts, sizeof *codes);
	plus = xcalloc(d->nproducts, sizeof *plus);
	for (i = 0; i < d->nproducts; i++) {
		const struct demo_product *p = &d->products[i];

		if (!demo_ean13_valid(p->barcode))
			bad_ean++;
		if (strncmp(p->barcode, "69", 2) != 0)
			bad_prefix++;
		if (!utf8_chinese(p->name) || !utf8_chinese(p->category) ||
		    !utf8_chinese(p->unit))
			bad_name++;
		if (p->spec == NULL || *p->spec == '\0')
			bad_spec++;
		if (!price_ok(p->price))
			bad_price++;
		if (strlen(p->plu) != 5)
			bad_plu++;
		codes[i] = d->products[i].barcode;
		plus[i] = d->products[i].plu;
	}
	is_int(bad_ean, 0, "every barcode has a valid EAN-13 check digit");
	is_int(bad_prefix, 0, "every barcode has a GS1 China prefix 690-699");
	is_int(bad_name, 0, "names, categories, units are Chinese UTF-8");
	is_int(bad_spec, 0, "every product has a specification");
	is_int(bad_price, 0, "every price is a positive NNN.NN");
	is_int(bad_plu, 0, "every PLU has five digits");
	is_int(dups(codes, d->nproducts), 0, "barcodes are unique");
	is_int(dups(plus, d->nproducts), 0, "PLUs are unique");
	/* Documented in kefu-catalog(7) and the README: keep them true. */
	is_str(d->products[0].barcode, "6971105000018",
	    "the documented first barcode");
	is_str(d->products[0].name, "农夫山泉饮用天然水", "its name");
	is_str(d->products[0].price, "2.90", "its price");
	is_str(d->products[0].plu, "10001", "its PLU");
	tap_diag("first product: %s %s %s %s/%s (PLU %s)",
	    d->products[0].barcode, d->products[0].name, d->products[0].spec,
	    d->products[0].price, d->products[0].unit, d->products[0].plu);
	free(codes);
	free(plus);
}

static void
test_promotions(const struct demo *d)
{
	char day[11];
	size_t i, n, bad = 0;
	int off, every = 1;

	for (off = 0; off < 7; off++) {
		demo_date_add(DAY, off, day);
		for (i = n = 0; i < d->npromos; i++)
			if (strcmp(d->promos[i].start, day) <= 0 &&
			    strcmp(d->promos[i].end, day) >= 0)
				n++;
		if (off == 0)
			ok(n >= 5, "promotions valid today: %zu", n);
		if (n < 3)
			every = 0;
	}
	ok(every, "every day of the week has at least 3 promotions");
	for (i = 0; i < d->npromos; i++)
		if (strcmp(d->promos[i].start, d->promos[i].end) > 0 ||
		    !demo_ean13_valid(d->promos[i].barcode) ||
		    !utf8_chinese(d->promos[i].description) ||
		    (d->promos[i].promo_price != NULL &&
		    !price_ok(d->promos[i].promo_price)))
			bad++;
	is_int(bad, 0, "every promotion is well-formed");
}

static void
test_staff(const struct demo *d)
{
	size_t i, j, bad = 0;

	ok(d->nstaff >= 20, "staff: %zu", d->nstaff);
	for (i = 0; i < d->nstaff; i++) {
		size_t n = 0;

		for (j = 0; j < d->nshifts; j++)
			if (strcmp(d->shifts[j].staff_no, d->staff[i].staff_no)
			    == 0)
				n++;
		if (n < 7 || !utf8_chinese(d->staff[i].name))
			bad++;
	}
	is_int(bad, 0, "every staff member has a Chinese name and shifts");
}

static void
test_script(void)
{
	struct demo *a, *b, *c;
	char *sa, *sb, *sc, *cause = NULL;
	const char *p;
	int midline = 0;

	ok(demo_build(CATALOG_SEED, DAY, &a, &cause) == 0, "demo_build");
	ok(demo_build(CATALOG_SEED, DAY, &b, &cause) == 0, "demo_build again");
	ok(demo_build(CATALOG_SEED + 1, DAY, &c, &cause) == 0,
	    "demo_build with another seed");
	sa = demo_script(a);
	sb = demo_script(b);
	sc = demo_script(c);
	ok(strlen(sa) > 100000, "the script is substantial (%zu bytes)",
	    strlen(sa));
	ok(strcmp(sa, sb) == 0, "same seed and day: the same script, byte "
	    "for byte");
	ok(strcmp(sa, sc) != 0, "another seed: another catalog");
	ok(strcmp(a->products[0].barcode, b->products[0].barcode) == 0,
	    "same first barcode");
	for (p = sa; (p = strchr(p, ';')) != NULL; p++)
		if (p[1] != '\n')
			midline++;
	is_int(midline, 0, "every ';' in the script ends a line");
	like(sa, "INSERT INTO products", "the script inserts products");
	like(sa, "INSERT INTO staff_schedule", "and schedules");
	test_products(a);
	test_promotions(a);
	test_staff(a);
	free(sa);
	free(sb);
	free(sc);
	demo_free(a);
	demo_free(b);
	demo_free(c);
}

int
main(void)
{
	test_ean13();
	test_dates();
	test_bad_build();
	test_script();
	return tap_done();
}
