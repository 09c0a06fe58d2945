/*
 * Unit tests for src/audio/espeak.c: the voice of each language and how
 * a text is fed to it.  Every prompt text of every language and the demo
 * catalog's product names and promotion kinds go through espeak-ng -q -x
 * (the phonemes it would speak) and none may switch language: espeak-ng
 * marks a switch "(en)", as voice cmn does on 一百两元.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "store/store.h"
#include "util/util.h"
#include "../tap.h"

static const char *srcdir;

/* A language switch in espeak-ng's phoneme output: "(en)", "(yue)". */
static int
switches(const char *ph)
{
	const char *p, *q;

	for (p = strchr(ph, '('); p != NULL; p = strchr(p + 1, '(')) {
		for (q = p + 1; *q >= 'a' && *q <= 'z'; q++)
			;
		if (q > p + 1 && *q == ')')
			return 1;
	}
	return 0;
}

/* espeak-ng's phonemes of the texts (one clause each) in voice. */
static char *
phonemes(const char *voice, const char *const *texts, size_t n)
{
	char path[] = "/tmp/kefu-t-espeak-XXXXXX", *cmd, *fed, buf[4096];
	struct strbuf out = STRBUF_INIT;
	size_t i, got;
	FILE *f;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		fed = espeak_text(voice, texts[i]);
		fprintf(f, " %s\n\n", fed);
		free(fed);
	}
	fclose(f);
	cmd = xasprintf("espeak-ng -q -x -v %s -f %s", voice, path);
	if ((f = popen(cmd, "r")) != NULL) {
		while ((got = fread(buf, 1, sizeof buf, f)) > 0)
			sb_add(&out, buf, got);
		if (pclose(f) != 0)
			sb_reset(&out);
	}
	free(cmd);
	unlink(path);
	return sb_steal(&out);
}

/*
 * Check every text in voice: one run of espeak-ng for all of them, and
 * when it switches language, halves checked again down to the culprits
 * (named).  Returns how many texts switch.
 */
static size_t
check_texts(const char *what, const char *voice, const char *const *texts,
    size_t n)
{
	char *ph;
	int bad;

	if (n == 0)
		return 0;
	ph = phonemes(voice, texts, n);
	bad = ph == NULL || switches(ph);
	if (bad && n == 1)
		tap_diag("%s: %s switches language: %s -> %.*s", what, voice,
		    texts[0], ph ? (int)strcspn(ph, "\n") : 18,
		    ph ? ph : "(espeak-ng failed)");
	free(ph);
	if (!bad || n == 1)
		return bad ? 1 : 0;
	return check_texts(what, voice, texts, n / 2) +
	    check_texts(what, voice, texts + n / 2, n - n / 2);
}

static void
test_feed(void)
{
	char *s;

	is_str(espeak_voice("zh-CN"), "cmn-latn-pinyin",
	    "zh-CN: the voice reading Latin as pinyin, not cmn");
	is_str(espeak_voice("yue"), "yue", "yue: the Cantonese voice");
	s = espeak_text("cmn-latn-pinyin", "请输入PLU码");
	is_str(s, "请输入 P L U 码", "PLU spelled letter by letter");
	free(s);
	s = espeak_text("yue", "PLU碼");
	is_str(s, " [[pi1]] [[e1lou2]] [[jiu1]] 碼",
	    "PLU in Cantonese letter names");
	free(s);
	s = espeak_text("cmn-latn-pinyin", "iPhone USB-C");
	is_str(s, "iPhone  U S B - C ", "words with small letters kept");
	free(s);
	s = espeak_text("yue", "汇源100%橙汁 2.5％");
	is_str(s, "汇源百分之100橙汁 百分之2.5", "percentages as 百分之");
	free(s);
	s = espeak_text("yue", "a[[p'i1]]b");
	is_str(s, "a  p'i1  b", "phoneme codes in a text are blanked");
	free(s);
}

/* The check can fail: cmn reads pinyin tone digits in English. */
static void
test_detects(void)
{
	static const char *const t[] = { "您好", "一百两元", "星期三" };

	is_int(check_texts("control", "cmn", t, nitems(t)), 3,
	    "voice cmn: every one of 您好 一百两元 星期三 switches to English");
	is_int(check_texts("control", "cmn-latn-pinyin", t, nitems(t)), 0,
	    "voice cmn-latn-pinyin: none switches");
}

static void
test_prompts(void)
{
	static const char *const langs[] = { "zh-CN", "yue" };
	struct prompts *pr;
	const char **texts;
	char *dir, *cause = NULL;
	size_t l, i, n;

	dir = xasprintf("%s/prompts", srcdir);
	ok(prompts_load(dir, NULL, &pr, &cause) == 0, "catalogs load %s",
	    cause ? cause : "");
	texts = xcalloc(pr->n + 1, sizeof *texts);
	for (l = 0; l < nitems(langs); l++) {
		for (i = n = 0; i < pr->n; i++)
			if (strcmp(pr->p[i].lang, langs[l]) == 0 &&
			    pr->p[i].tone == NULL)
				texts[n++] = pr->p[i].text;
		ok(n > 100, "%s: %zu prompt texts", langs[l], n);
		is_int(check_texts(langs[l], espeak_voice(langs[l]), texts, n),
		    0, "%s: no prompt switches language in voice %s",
		    langs[l], espeak_voice(langs[l]));
	}
	free(texts);
	prompts_free(pr);
	free(dir);
}

static void
test_demo(void)
{
	static const char *const langs[] = { "zh-CN", "yue" };
	struct demo *d;
	const char **texts;
	char *cause = NULL;
	size_t l, i, n = 0;

	ok(demo_build(1, "2026-11-22", &d, &cause) == 0, "demo catalog");
	texts = xcalloc(d->nproducts + d->npromos + 1, sizeof *texts);
	for (i = 0; i < d->nproducts; i++)
		if (i == 0 || strcmp(d->products[i].name,
		    d->products[i - 1].name) != 0)
			texts[n++] = d->products[i].name;
	for (i = 0; i < d->npromos; i++)
		texts[n++] = d->promos[i].kind;
	for (l = 0; l < nitems(langs); l++)
		is_int(check_texts(langs[l], espeak_voice(langs[l]), texts, n),
		    0, "%s: none of %zu product names and promotion kinds "
		    "switches language", langs[l], n);
	free(texts);
	demo_free(d);
}

int
main(void)
{
	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng is not installed");
	test_feed();
	test_detects();
	test_prompts();
	test_demo();
	return tap_done();
}
