/*
 * call-preload.c: svc_preload() converts every catalog prompt of every
 * language into a line format in the set's shared cache (so the first
 * caller after a start or reload waits for no conversion), logs one line
 * with clips, kB and ms, leaves other formats alone, and converts
 * nothing twice.  Prints the first-play latency cold and preloaded.
 */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "conf/conf.h"
#include "t/tap.h"

static int
matches(const char *s, const char *re)
{
	regex_t rx;
	int r;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	r = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return r;
}

/* Distinct prompt ids over every catalog. */
static size_t
distinct_ids(const struct prompts *pr, const char ***out)
{
	const char **v = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < pr->n; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(v[j], pr->p[i].id) == 0)
				break;
		if (j < n)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = pr->p[i].id;
	}
	*out = v;
	return n;
}

/* Microseconds to get (lang, ids[0..n)) in fmt, as a first call would. */
static uint64_t
play_us(struct svc_set *set, const char *lang, const char **ids, size_t n,
    const struct audio_fmt *fmt)
{
	struct timespec a, b;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		(void)audio_get(set->audio, lang, ids[i], fmt);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (uint64_t)(b.tv_sec - a.tv_sec) * 1000000u +
	    (uint64_t)(b.tv_nsec - a.tv_nsec) / 1000u;
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	const struct audio_fmt ulaw = { AUDIO_ULAW, 8000 };
	const struct audio_fmt alaw = { AUDIO_ALAW, 8000 };
	const struct audio_fmt u8 = { AUDIO_U8, 7200 };
	char tmp[] = "/tmp/kefu-preload-XXXXXX", *path, *text, *schema;
	char *cause = NULL;
	struct conf *conf = NULL;
	struct svc *svc = NULL;
	struct svc_set *set;
	struct strbuf logs = STRBUF_INIT;
	const struct prompts *pr;
	const char **ids, *first[8];
	size_t nids, i, l, n, missing, bytes, nfirst, before;
	uint64_t cold, warm;

	if (src == NULL)
		src = ".";
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot make a temporary folder");
	log_open("call_preload", "-", KLOG_ERROR, NULL);
	path = xasprintf("%s/kefu.conf", tmp);
	text = xasprintf("[kefu]\nmappings = %s/mappings/catalog\n"
	    "adapters = %s/adapters\nflows = %s/flows\nprompts = %s/prompts\n"
	    "sql = %s/sql\nlanguages = zh-CN,yue\n"
	    "[datasource catalog]\nconnect = Driver=SQLite3;Database=%s/c.db\n"
	    "adapter = sqlite\n", src, src, src, src, src, tmp);
	schema = xasprintf("%s/mappings/mapping.rng", src);
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	if (conf_parse(path, text, &conf, &cause) == -1) {
		tap_diag("%s", cause);
		tap_bail("cannot parse the test configuration");
	}
	if (svc_open(conf, SVC_NOFLOWS, &svc, &cause) == -1) {
		tap_diag("%s", cause);
		tap_bail("the shipped prompts and mappings do not load");
	}
	set = svc_acquire(svc);
	pr = audio_cache_prompts(set->audio);
	nids = distinct_ids(pr, &ids);
	ok(nids > 20 && set->nlangs == 2, "%zu prompt ids, %zu languages",
	    nids, set->nlangs);
	is_int((int)audio_cache_count(set->audio, NULL, NULL), 0,
	    "nothing converted before preloading");

	/* What a first caller waits for without preloading (A-law, cold). */
	nfirst = nids < nitems(first) ? nids : nitems(first);
	/* cppcheck-suppress knownConditionTrueFalse ; nids is not 0 */
	for (i = 0; i < nfirst; i++)
		first[i] = ids[i];
	cold = play_us(set, "zh-CN", first, nfirst, &alaw);
	ok(audio_cache_has(set->audio, "zh-CN", first[0], &alaw),
	    "audio_cache_has sees a clip once played");
	ok(!audio_cache_has(set->audio, "yue", first[0], &alaw),
	    "audio_cache_has: not in another language");
	ok(!audio_cache_has(set->audio, "zh-CN", first[0], &ulaw),
	    "audio_cache_has: not in another format");

	log_set_level(KLOG_INFO);
	log_capture(&logs);
	n = svc_preload(set, &ulaw);
	log_capture(NULL);
	log_set_level(KLOG_ERROR);
	is_int((int)n, (int)(nids * set->nlangs), "every id in every language "
	    "converted (%zu clips)", n);
	missing = 0;
	for (l = 0; l < set->nlangs; l++)
		for (i = 0; i < nids; i++)
			if (!audio_cache_has(set->audio, set->langs[l], ids[i],
			    &ulaw)) {
				if (missing++ == 0)
					tap_diag("not preloaded: %s %s",
					    set->langs[l], ids[i]);
			}
	is_int((int)missing, 0, "the cache holds every prompt in u-law");
	is_int((int)audio_cache_count(set->audio, &ulaw, &bytes), (int)n,
	    "audio_cache_count agrees");
	ok(bytes > n * 800, "real audio converted (%zu bytes)", bytes);
	is_int((int)audio_cache_count(set->audio, &alaw, NULL), (int)nfirst,
	    "other formats untouched");
	is_int((int)audio_cache_count(set->audio, &u8, NULL), 0,
	    "a format never asked for holds nothing");
	ok(matches(sb_str(&logs),
	    "prompts ready in .+ at 8000 Hz \\(generation "
	    "1\\): [0-9]+ clips, [0-9]+ converted now, [0-9]+ kB, "
	    "in [0-9]+ ms"),
	    "one log line with clips, kB and ms: %s", sb_str(&logs));
	ok(strchr(sb_str(&logs), '\n') == strrchr(sb_str(&logs), '\n'),
	    "exactly one line");

	/*
	 * What a first caller waits for after preloading (u-law, warm):
	 * nothing to convert (counted, not timed: a busy machine makes any
	 * clock comparison flaky); the times are shown for information.
	 */
	before = audio_cache_count(set->audio, NULL, NULL);
	warm = play_us(set, "zh-CN", first, nfirst, &ulaw);
	tap_diag("%zu catalog prompts: %llu us cold, %llu us "
	    "preloaded", nfirst, (unsigned long long)cold,
	    (unsigned long long)warm);
	is_int((int)audio_cache_count(set->audio, NULL, NULL), (int)before,
	    "playing preloaded prompts converts nothing");
	cold = play_us(set, "zh-CN", first, nfirst, &u8);
	tap_diag("the same cold in 8-bit linear at 7200 Hz (resampled): "
	    "%llu us", (unsigned long long)cold);

	/* Again: nothing new to convert. */
	sb_reset(&logs);
	log_set_level(KLOG_INFO);
	log_capture(&logs);
	is_int((int)svc_preload(set, &ulaw), (int)n, "a second preload "
	    "holds the same clips");
	log_capture(NULL);
	log_set_level(KLOG_ERROR);
	like(sb_str(&logs), " 0 converted now", "and converts none");

	free(ids);
	sb_free(&logs);
	svc_release(set);
	svc_close(svc);
	conf_free(conf);
	unlink(path);
	rmdir(tmp);
	free(path);
	free(text);
	free(schema);
	return tap_done();
}
