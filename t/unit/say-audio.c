/*
 * Readings as a caller hears them: a say-rule sequence played from the
 * generated prompts of the build tree, measured against espeak-ng
 * speaking the same text at once (same voice, same feeding).  A reading
 * may last at most 1.25 times the continuous synthesis; every join is a
 * short even pause without a click (kefu-prompts(7), kefu-say(7)).  The
 * same bound for every prompt of both catalogs alone, and for the
 * readings the flows compose of prompts and values (after-sales visits,
 * notices, the order's stock and special lines, the staff lookup): a
 * silence or a mis-joined piece makes one longer.  Durations by soxi(1).
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "say/say.h"
#include "util/util.h"
#include "../tap.h"

#define MAX_RATIO 1.25
#define MAX_PROMPT_RATIO 1.05   /* a generated prompt alone, sound to
				   sound: one synthesis, trimmed */
#define MAX_LEAD 0.05           /* s of quiet before a prompt's sound */
#define MAX_TRAIL 0.45          /* ... and after it: fade and pause (400 ms
				   after a sentence) */
#define MAX_JUMP 103            /* LSB at a join: what the joins had before */
#define QUIET 256               /* below: silence, as espeak.c trims */
#define MIN_GAP_MS 40           /* the pause between words ... */
#define MAX_GAP_MS 70           /* ... with the faded edges around it */

static const struct {
	enum say_type type;
	const char *value;
} values[] = {
	{ SAY_MONEY, "12.05" },
	{ SAY_PHONE, "13800138000" },
	{ SAY_NUMBER, "123456789" },
	{ SAY_DATE, "2026-11-22" },
	{ SAY_QUANTITY, "12 瓶" },
	{ SAY_TIME, "14:05" },
};

/*
 * Readings the flows compose: prompts (id) and values (the type and the
 * value of a <say>), as flows/aftersales.xml, staff.xml, order.xml and
 * notices.xml play them.
 */
struct piece {
	const char *id;         /* a prompt, or NULL: a value */
	enum say_type type;
	const char *value;
};
#define P(id) { id, SAY_NUMBER, NULL }
#define V(t, v) { NULL, t, v }
static const struct {
	const char *name;
	struct piece p[8];
} composed[] = {
	{ "as.you_chose", { P("as.you_chose"), P("order.tomorrow"),
	    V(SAY_TIME, "09:00"), P("order.until"), V(SAY_TIME, "12:00") } },
	{ "as.current", { P("as.current"), V(SAY_DATE, "2026-12-09"),
	    V(SAY_TIME, "14:00"), P("order.until"), V(SAY_TIME, "17:30") } },
	{ "as.slots item", { P("order.today"), V(SAY_TIME, "15:00"),
	    P("order.until"), V(SAY_TIME, "18:00"), P("order.press"),
	    V(SAY_DIGITS, "2") } },
	{ "as.booked", { P("as.booked"), V(SAY_DIGITS, "2612070003"),
	    P("as.sms_sent") } },
	{ "notice.published", { P("notice.published"),
	    V(SAY_DATE, "2026-12-07"), P("staff.until"),
	    V(SAY_DATE, "2026-12-14") } },
	{ "notice.more_count", { P("notice.more_count"),
	    V(SAY_QUANTITY, "2 条") } },
	{ "order.special", { P("order.special"), V(SAY_MONEY, "12.80"),
	    P("order.shelf_price"), V(SAY_MONEY, "15.50") } },
	{ "order.stock_only", { P("order.stock_only"),
	    V(SAY_QUANTITY, "3 瓶") } },
	{ "staff.customers_found", { P("staff.customers_found"),
	    V(SAY_NUMBER, "3") } },
};
#undef P
#undef V

/*
 * The prompts measured alone on every run: those of the last additions
 * (after-sales, notices recorded by phone, the order's stock and special
 * lines, the staff lookup by phone; an entry ending in '.' is a prefix).
 * KEFU_TEST_ALL_PROMPTS=1 measures every prompt of both catalogs (one
 * espeak-ng run each, ~45 ms of CPU: too slow for every check).
 */
static const char *const new_prompts[] = {
	"as.", "notice.", "staff.menu", "staff.ask_phone", "staff.no_phone",
	"staff.customers_found", "order.special", "order.shelf_price",
	"order.stock_only", "order.stock_menu",
};

static const char *srcdir;

/*
 * Seconds of each of n WAV files by soxi -D, in order; all -1 when soxi
 * did not answer for every file.
 */
static int
soxi(const char *const *paths, size_t n, double *secs)
{
	struct strbuf cmd = STRBUF_INIT;
	char line[64];
	FILE *f;
	size_t i;

	sb_adds(&cmd, "soxi -D");
	for (i = 0; i < n; i++) {
		sb_addf(&cmd, " '%s'", paths[i]);
		secs[i] = -1;
	}
	sb_adds(&cmd, " 2>/dev/null");
	f = popen(sb_str(&cmd), "r");
	sb_free(&cmd);
	if (f == NULL)
		return -1;
	for (i = 0; i < n && fgets(line, sizeof line, f) != NULL; i++)
		secs[i] = strtod(line, NULL);
	if (pclose(f) != 0 || i < n) {
		for (i = 0; i < n; i++)
			secs[i] = -1;
		return -1;
	}
	return 0;
}

/* Seconds of espeak-ng speaking text whole in voice; -1 on failure. */
static double
continuous(const char *voice, const char *text)
{
	char path[] = "/tmp/kefu-t-say-XXXXXX.wav";
	struct audio_pcm pcm;
	double secs = -1;
	pid_t pid;
	int fd, status;

	if ((fd = mkstemps(path, 4)) == -1)
		return -1;
	close(fd);
	if (espeak_spawn("espeak-ng", voice, text, path, &pid) == 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    wav_read(path, &pcm, NULL) == 0) {
			secs = (double)pcm.n / pcm.rate;
			pcm_free(&pcm);
		}
	}
	unlink(path);
	return secs;
}

/* Milliseconds of quiet around sample at of s (n samples, 8 kHz). */
static unsigned
gap_ms(const int16_t *s, size_t n, size_t at)
{
	size_t a = at, b = at;

	while (a > 0 && abs(s[a - 1]) < QUIET)
		a--;
	while (b < n && abs(s[b]) < QUIET)
		b++;
	return (unsigned)((b - a) / 8);
}

struct reading {
	double secs, cont;
	unsigned jump;          /* largest step at a join, LSB */
	unsigned gap_min, gap_max;
};

/* Play seq from the cache as a line does; measure it. */
static void
measure(struct audio_cache *c, const char *lang, const struct say_seq *seq,
    struct reading *r)
{
	static const struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	const struct audio_clip *clip;
	const int16_t *s;
	const char **ids = xcalloc(seq->n + 1, sizeof *ids);
	uint8_t *buf;
	size_t i, n, len, at = 0;
	unsigned step, gap;
	char *cause = NULL;

	memset(r, 0, sizeof *r);
	r->gap_min = ~0u;
	for (i = 0; i < seq->n; i++)
		ids[i] = seq->items[i].id;
	if (audio_render(c, lang, ids, seq->n, &fmt, &buf, &len, &cause) ==
	    -1) {
		free(cause);
		free(ids);
		return;
	}
	s = (const int16_t *)buf;
	n = len / 2;
	r->secs = n / 8000.0;
	for (i = 0; i + 1 < seq->n; i++) {
		clip = audio_get(c, lang, ids[i], &fmt);
		at += clip->nsamples;
		step = (unsigned)abs(s[at] - s[at - 1]);
		r->jump = step > r->jump ? step : r->jump;
		gap = gap_ms(s, n, at);
		r->gap_min = gap < r->gap_min ? gap : r->gap_min;
		r->gap_max = gap > r->gap_max ? gap : r->gap_max;
	}
	free(buf);
	free(ids);
}

/* One reading to measure: prompts played in a row against their text. */
struct job {
	char *label;            /* what the check says */
	const char **ids;       /* the prompts played */
	size_t nids;
	char *text;             /* what espeak-ng says at once */
	const char *voice;
	double max;             /* at most max x the continuous synthesis */
	int alone;              /* a prompt alone: its speech is measured */
	char ours[40], cont[40];        /* the two WAV files */
	pid_t pid;
	double secs[2];         /* ours, continuous: soxi -D */
	double speech[2];       /* the same from the first to the last sound */
	double lead, trail;     /* ours: quiet before and after the sound */
};

#define JOBS_AT_ONCE 8

/* Our reading of j into j->ours, and espeak-ng started on j->cont. */
static int
job_start(struct audio_cache *c, const char *lang, struct job *j)
{
	static const struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	struct wav_info info;
	struct audio_pcm pcm;
	uint8_t *buf;
	size_t len;
	char *cause = NULL;
	int fd, rc;

	j->pid = -1;
	snprintf(j->ours, sizeof j->ours, "/tmp/kefu-t-say-XXXXXX.wav");
	snprintf(j->cont, sizeof j->cont, "/tmp/kefu-t-say-XXXXXX.wav");
	if ((fd = mkstemps(j->ours, 4)) == -1)
		return -1;
	close(fd);
	if ((fd = mkstemps(j->cont, 4)) == -1)
		return -1;
	close(fd);
	if (audio_render(c, lang, j->ids, j->nids, &fmt, &buf, &len,
	    &cause) == -1) {
		tap_diag("%s: %s", j->label, cause);
		free(cause);
		return -1;
	}
	pcm = (struct audio_pcm){ (int16_t *)buf, len / 2, 8000 };
	memset(&info, 0, sizeof info);
	info.no_fsync = 1;
	rc = wav_write_pcm(j->ours, &pcm, &info, &cause);
	free(buf);
	if (rc == -1) {
		tap_diag("%s: %s", j->label, cause);
		free(cause);
		return -1;
	}
	return espeak_spawn("espeak-ng", j->voice, j->text, j->cont,
	    &j->pid) == 0 ? 0 : -1;
}

/*
 * Seconds from the first to the last sample of path at QUIET or louder,
 * and the quiet before and after; -1 when it cannot be read.
 */
static double
speech_secs(const char *path, double *lead, double *trail)
{
	struct audio_pcm pcm;
	size_t a = 0, b;
	double secs;

	if (wav_read(path, &pcm, NULL) == -1)
		return -1;
	b = pcm.n;
	while (a < b && abs(pcm.s[a]) < QUIET)
		a++;
	while (b > a && abs(pcm.s[b - 1]) < QUIET)
		b--;
	secs = (double)(b - a) / pcm.rate;
	if (lead != NULL)
		*lead = (double)a / pcm.rate;
	if (trail != NULL)
		*trail = (double)(pcm.n - b) / pcm.rate;
	pcm_free(&pcm);
	return secs;
}

/*
 * Measure the m jobs of j (at most JOBS_AT_ONCE, espeak-ng running side
 * by side): j->secs, -1 for a job that failed (and every job of the batch
 * when soxi did not answer for all).
 */
static void
jobs_batch(struct audio_cache *c, const char *lang, struct job *j, size_t m)
{
	const char *paths[2 * JOBS_AT_ONCE];
	double secs[2 * JOBS_AT_ONCE] = { 0 };
	int status, good[JOBS_AT_ONCE];
	size_t k, np = 0;

	for (k = 0; k < m; k++)
		good[k] = job_start(c, lang, &j[k]) == 0;
	for (k = 0; k < m; k++) {
		if (j[k].pid > 0) {
			while (waitpid(j[k].pid, &status, 0) == -1 &&
			    errno == EINTR)
				;
			good[k] = good[k] && WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0;
		}
		if (good[k]) {
			paths[np++] = j[k].ours;
			paths[np++] = j[k].cont;
		}
	}
	if (np > 0)
		soxi(paths, np, secs);
	for (k = 0, np = 0; k < m; k++) {
		j[k].secs[0] = j[k].secs[1] = -1;
		if (good[k] && secs[np + 1] >= 0) {
			j[k].secs[0] = secs[np];
			j[k].secs[1] = secs[np + 1];
		}
		np += good[k] ? 2 : 0;
		if (good[k] && j[k].alone) {
			j[k].speech[0] = speech_secs(j[k].ours, &j[k].lead,
			    &j[k].trail);
			j[k].speech[1] = speech_secs(j[k].cont, NULL, NULL);
		}
		unlink(j[k].ours);
		unlink(j[k].cont);
	}
}

/* Measure n jobs, JOBS_AT_ONCE at a time. */
static void
jobs_run(struct audio_cache *c, const char *lang, struct job *j, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += JOBS_AT_ONCE)
		jobs_batch(c, lang, j + i, n - i < JOBS_AT_ONCE ? n - i :
		    JOBS_AT_ONCE);
}

/*
 * The check of one measured job, with its figures: a reading at most max
 * times the continuous synthesis; a prompt alone compared sound to sound
 * (max times the synthesis without its edges), with no more quiet around
 * it than the fade and the pause after it.
 */
static void
job_check(const char *lang, const struct job *j)
{
	double ours = j->secs[0], cont = j->secs[1], max = j->max;

	if (!j->alone) {
		tap_diag("%-5s %-24s ours %.2f s, continuous %.2f s, ratio "
		    "%.2f", lang, j->label, ours, cont, cont > 0 ?
		    ours / cont : 0.0);
		ok(ours > 0 && cont > 0 && ours <= max * cont,
		    "%s %s (%s): %.2f s, at most %.2f x %.2f s", lang,
		    j->label, j->text, ours, max, cont);
		return;
	}
	ours = j->speech[0];
	cont = j->speech[1];
	tap_diag("%-5s %-24s ours %.2f s (sound %.2f s), continuous %.2f s "
	    "(sound %.2f s), ratio %.2f, quiet before %.0f ms, after %.0f ms",
	    lang, j->label, j->secs[0], ours, j->secs[1], cont, cont > 0 ?
	    ours / cont : 0.0, j->lead * 1000, j->trail * 1000);
	ok(j->secs[0] > 0 && ours > 0 && cont > 0 && ours <= max * cont &&
	    j->lead <= MAX_LEAD && j->trail <= MAX_TRAIL,
	    "%s %s (%s): sound %.2f s, at most %.2f x %.2f s; quiet %.0f ms "
	    "before (at most %.0f), %.0f ms after (at most %.0f)", lang,
	    j->label, j->text, ours, max, cont, j->lead * 1000,
	    MAX_LEAD * 1000, j->trail * 1000, MAX_TRAIL * 1000);
}

static void
jobs_free(struct job *j, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(j[i].label);
		free(j[i].ids);
		free(j[i].text);
	}
	free(j);
}

/* 1 when id is one of new_prompts[]. */
static int
prompt_new(const char *id)
{
	size_t i, n;

	for (i = 0; i < nitems(new_prompts); i++) {
		n = strlen(new_prompts[i]);
		if (new_prompts[i][n - 1] == '.' ?
		    strncmp(id, new_prompts[i], n) == 0 :
		    strcmp(id, new_prompts[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The prompts of lang's catalog with audio, alone: new_prompts[], or
 * every one when all is set.
 */
static void
test_prompts(const char *lang, const struct prompts *pr,
    struct audio_cache *c, int all)
{
	struct job *j = xcalloc(pr->n ? pr->n : 1, sizeof *j);
	size_t i, n = 0;

	for (i = 0; i < pr->n; i++) {
		const struct prompt *p = &pr->p[i];

		if (strcmp(p->lang, lang) != 0 || p->tone != NULL ||
		    (p->how != PROMPT_GENERATED &&
		    p->how != PROMPT_RECORDED) || (!all && !prompt_new(p->id)))
			continue;
		j[n].label = xstrdup(p->id);
		j[n].ids = xcalloc(1, sizeof *j[n].ids);
		j[n].ids[0] = p->id;
		j[n].nids = 1;
		j[n].text = xstrdup(p->text);
		j[n].voice = espeak_voice(prompts_spoken(p));
		j[n].max = p->how == PROMPT_GENERATED ? MAX_PROMPT_RATIO :
		    MAX_RATIO;
		j[n].alone = 1;
		n++;
	}
	ok(n > (all ? 150u : 50u), "%s: %zu prompts with audio to measure",
	    lang, n);
	jobs_run(c, lang, j, n);
	for (i = 0; i < n; i++)
		job_check(lang, &j[i]);
	jobs_free(j, n);
}

/* The readings of composed[]: one job each, or -1 (reported). */
static int
composed_job(const char *lang, const struct prompts *pr,
    const struct say_rules *rules, size_t k, struct job *j)
{
	struct say_seq seq = SAY_SEQ_INIT;
	const struct piece *pc;
	const struct prompt *p;
	struct strbuf text = STRBUF_INIT;
	char *cause = NULL, *said;
	size_t m;

	j->ids = xcalloc(64, sizeof *j->ids);
	for (pc = composed[k].p; pc < composed[k].p + nitems(composed[k].p) &&
	    (pc->id != NULL || pc->value != NULL); pc++) {
		if (pc->id != NULL) {
			if ((p = prompts_find(pr, lang, pc->id)) == NULL ||
			    j->nids == 64) {
				ok(0, "%s: no prompt %s", lang, pc->id);
				goto fail;
			}
			j->ids[j->nids++] = p->id;
			sb_adds(&text, p->text);
			continue;
		}
		if (say_value(rules, pc->type, pc->value, &seq, &cause) == -1) {
			ok(0, "%s %s: %s", lang, pc->value, cause);
			free(cause);
			goto fail;
		}
		for (m = 0; m < seq.n && j->nids < 64; m++)
			j->ids[j->nids++] = seq.items[m].id;
		said = say_seq_text(&seq);
		sb_adds(&text, said);
		free(said);
		say_seq_free(&seq);
		seq = (struct say_seq)SAY_SEQ_INIT;
	}
	j->label = xstrdup(composed[k].name);
	j->text = sb_steal(&text);
	j->voice = espeak_voice(lang);
	j->max = MAX_RATIO;
	return 0;
fail:
	say_seq_free(&seq);
	sb_free(&text);
	free(j->ids);
	memset(j, 0, sizeof *j);
	return -1;
}

/* The readings of composed[] in lang. */
static void
test_composed(const char *lang, const struct prompts *pr,
    struct audio_cache *c)
{
	struct job *j = xcalloc(nitems(composed), sizeof *j);
	struct say_rules *rules;
	char *dir, *cause = NULL;
	size_t k, n = 0;

	dir = xasprintf("%s/prompts", srcdir);
	if (say_load(dir, lang, &rules, &cause) == -1) {
		ok(0, "%s: say rules: %s", lang, cause);
		free(cause);
		free(dir);
		free(j);
		return;
	}
	free(dir);
	for (k = 0; k < nitems(composed); k++)
		if (composed_job(lang, pr, rules, k, &j[n]) == 0)
			n++;
	jobs_run(c, lang, j, n);
	for (k = 0; k < n; k++)
		job_check(lang, &j[k]);
	jobs_free(j, n);
	say_free(rules);
}

static void
test_lang(const char *lang, struct audio_cache *c)
{
	struct say_seq seq = SAY_SEQ_INIT;
	struct say_rules *rules;
	struct reading r;
	char *dir, *text, *cause = NULL;
	size_t i;

	dir = xasprintf("%s/prompts", srcdir);
	if (say_load(dir, lang, &rules, &cause) == -1) {
		ok(0, "%s: say rules: %s", lang, cause);
		free(cause);
		free(dir);
		return;
	}
	for (i = 0; i < nitems(values); i++) {
		if (say_value(rules, values[i].type, values[i].value, &seq,
		    &cause) == -1) {
			ok(0, "%s: %s", values[i].value, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		text = say_seq_text(&seq);
		measure(c, lang, &seq, &r);
		r.cont = continuous(espeak_voice(lang), text);
		tap_diag("%-5s %-8s %-12s reading %.2f s, continuous %.2f s, "
		    "ratio %.2f, largest join step %u, pauses %u-%u ms",
		    lang, say_type_name(values[i].type), values[i].value,
		    r.secs, r.cont, r.cont > 0 ? r.secs / r.cont : 0.0,
		    r.jump, r.gap_min, r.gap_max);
		ok(r.cont > 0 && r.secs > 0 && r.secs <= MAX_RATIO * r.cont,
		    "%s %s %s (%s): %.2f s, at most %.2f x %.2f s", lang,
		    say_type_name(values[i].type), values[i].value, text,
		    r.secs, MAX_RATIO, r.cont);
		ok(r.jump <= MAX_JUMP, "%s %s: no click at a join (%u LSB)",
		    lang, values[i].value, r.jump);
		ok(r.gap_min >= MIN_GAP_MS && r.gap_max <= MAX_GAP_MS,
		    "%s %s: even pauses between words (%u-%u ms)", lang,
		    values[i].value, r.gap_min, r.gap_max);
		free(text);
		say_seq_free(&seq);
		seq = (struct say_seq)SAY_SEQ_INIT;
	}
	say_free(rules);
	free(dir);
}

int
main(void)
{
	static const char *const langs[] = { "zh-CN", "yue" };
	struct audio_cache *c;
	struct prompts *pr;
	const struct prompt *p;
	char *dir, *cause = NULL;
	size_t l;
	int all;

	if ((srcdir = getenv("KEFU_SRCDIR")) == NULL)
		srcdir = ".";
	all = getenv("KEFU_TEST_ALL_PROMPTS") != NULL &&
	    strcmp(getenv("KEFU_TEST_ALL_PROMPTS"), "1") == 0;
	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng is not installed");
	dir = xasprintf("%s/prompts", srcdir);
	if (prompts_load(dir, NULL, &pr, &cause) == -1) {
		ok(0, "catalogs: %s", cause);
		free(cause);
		free(dir);
		return tap_done();
	}
	free(dir);
	p = prompts_find(pr, "zh-CN", "num.1");
	if (p == NULL || p->how != PROMPT_GENERATED) {
		prompts_free(pr);
		tap_skip_all("no generated prompts in the build tree (make)");
	}
	c = audio_cache_new(pr);
	for (l = 0; l < nitems(langs); l++) {
		test_lang(langs[l], c);
		test_prompts(langs[l], pr, c, all);
		test_composed(langs[l], pr, c);
	}
	audio_cache_free(c);
	return tap_done();
}
