/*
 * svc.c: the service's datasources and its reloadable set (mappings,
 * prompts and their audio cache, say-rules, flows), built whole and
 * swapped under one lock; and the adapters through which the flow
 * interpreter reaches the mapping engine, the say-rules and the prompt
 * catalogs.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "db/db.h"
#include "map/map.h"
#include "say/say.h"

/* ---- the interpreter's view of the mapping engine ---- */

static enum flow_outcome
svc_outcome(enum map_outcome o)
{
	switch (o) {
	case MAP_FOUND:
		return FLOW_Q_FOUND;
	case MAP_EMPTY:
		return FLOW_Q_EMPTY;
	case MAP_MANY:
		return FLOW_Q_MANY;
	case MAP_INVALID:
		return FLOW_Q_INVALID;
	case MAP_TIMEOUT:
		return FLOW_Q_TIMEOUT;
	case MAP_DOWN:
		return FLOW_Q_DOWN;
	case MAP_ERROR:
		break;
	}
	return FLOW_Q_ERROR;
}

/* The flow's type of a column. */
static enum flow_type
svc_coltype(enum db_vtype t)
{
	switch (t) {
	case DBV_INT:
		return FLOW_T_INTEGER;
	case DBV_DECIMAL:
		return FLOW_T_DECIMAL;
	case DBV_DATE:
		return FLOW_T_DATE;
	case DBV_TIMESTAMP:
		return FLOW_T_TIMESTAMP;
	case DBV_BOOL:
		return FLOW_T_BOOLEAN;
	case DBV_TEXT:
		break;
	}
	return FLOW_T_TEXT;
}

/* The flow's type of a mapping's parameter. */
static enum flow_type
svc_paramtype(enum map_ptype t)
{
	switch (t) {
	case MAPP_DIGITS:
		return FLOW_T_DIGITS;
	case MAPP_INTEGER:
		return FLOW_T_INTEGER;
	case MAPP_DECIMAL:
		return FLOW_T_DECIMAL;
	case MAPP_DATE:
		return FLOW_T_DATE;
	case MAPP_TEXT:
		break;
	}
	return FLOW_T_TEXT;
}

/* A value as the flow sees it: text, or NULL for SQL NULL. */
static char *
svc_value_text(const struct db_value *v)
{
	if (v->null)
		return NULL;
	switch (v->type) {
	case DBV_INT:
		return xasprintf("%" PRId64, v->i);
	case DBV_BOOL:
		return xstrdup(v->i ? "1" : "0");
	default:
		return xstrdup(v->s != NULL ? v->s : "");
	}
}

static void
svc_rows(const struct map *m, const struct map_res *res,
    struct flow_rows *rows)
{
	const struct map_info *mi = map_info(m);
	char **vals;
	size_t r, c;

	flow_rows_clear(rows);
	rows->ncols = mi->ncolumns;
	rows->names = xcalloc(mi->ncolumns + 1, sizeof *rows->names);
	rows->types = xcalloc(mi->ncolumns + 1, sizeof *rows->types);
	for (c = 0; c < mi->ncolumns; c++) {
		rows->names[c] = xstrdup(mi->columns[c].var);
		rows->types[c] = svc_coltype(mi->columns[c].type);
	}
	vals = xcalloc(mi->ncolumns + 1, sizeof *vals);
	for (r = 0; r < res->nrows && res->ncols == mi->ncolumns; r++) {
		for (c = 0; c < mi->ncolumns; c++)
			vals[c] = svc_value_text(MAP_ROW(res, r, c));
		flow_rows_add(rows, (const char *const *)vals);
		for (c = 0; c < mi->ncolumns; c++)
			free(vals[c]);
	}
	free(vals);
}

static enum flow_outcome
svc_map_query(void *arg, const char *name, const struct flow_kv *in,
    size_t nin, struct flow_rows *rows, char **cause)
{
	struct svc_set *set = arg;
	const struct svc_builtin *b;
	const struct map *m;
	struct map_var *vars;
	struct map_res res;
	enum flow_outcome o;
	size_t i;

	if ((b = svc_builtin_find(name)) != NULL)
		return svc_builtin_run(set->svc, b, in, nin, rows, cause);
	if ((m = map_find(set->maps, name)) == NULL) {
		kf_error(cause, "no mapping named '%s'", name);
		return FLOW_Q_ERROR;
	}
	vars = xcalloc(nin + 1, sizeof *vars);
	for (i = 0; i < nin; i++) {
		vars[i].name = in[i].name;
		vars[i].value = in[i].value;
	}
	o = svc_outcome(map_run(m, vars, nin, &res));
	free(vars);
	if (o == FLOW_Q_FOUND || o == FLOW_Q_MANY || o == FLOW_Q_EMPTY)
		svc_rows(m, &res, rows);
	else if (res.outcome == MAP_INVALID)
		kf_error(cause, "mapping %s: %s: %s", name,
		    res.param ? res.param : "input", res.error);
	else
		kf_error(cause, "mapping %s: %s", name, res.error);
	map_res_free(&res);
	return o;
}

static int
svc_map_describe(void *arg, const char *name, struct flow_mapinfo *info)
{
	struct svc_set *set = arg;
	const struct svc_builtin *b;
	const struct map_info *mi;
	const struct map *m;
	size_t i;

	if ((b = svc_builtin_find(name)) != NULL) {
		svc_builtin_describe(b, info);
		return 0;
	}
	if ((m = map_find(set->maps, name)) == NULL)
		return -1;
	mi = map_info(m);
	memset(info, 0, sizeof *info);
	for (i = 0; i < mi->nparams && i < FLOW_MAP_MAX; i++) {
		info->params[i].name = mi->params[i].name;
		info->params[i].type = svc_paramtype(mi->params[i].type);
		info->params[i].optional = mi->params[i].optional ||
		    mi->params[i].today;
	}
	info->nparams = i;
	for (i = 0; i < mi->ncolumns && i < FLOW_MAP_MAX; i++) {
		info->outs[i].var = mi->columns[i].var;
		info->outs[i].type = svc_coltype(mi->columns[i].type);
	}
	info->nouts = i;
	info->many = mi->rows == MAPROWS_MANY;
	return 0;
}

static const struct flow_map_ops svc_map_ops = {
	.query = svc_map_query,
	.describe = svc_map_describe,
};

/* ---- say-rules and prompts ---- */

const struct say_rules *
svc_say(const struct svc_set *set, const char *lang)
{
	size_t i;

	for (i = 0; i < set->nlangs; i++)
		if (strcmp(set->langs[i], lang) == 0)
			return set->say[i];
	return NULL;
}

static int
svc_say_value(void *arg, const char *lang, const char *as,
    const char *value, const char *unit, int decimals,
    struct flow_prompts *out, char **cause)
{
	struct svc_set *set = arg;
	const struct say_rules *rules;
	struct say_seq seq = SAY_SEQ_INIT;
	struct say_opts o = SAY_OPTS_INIT;
	enum say_type type;
	size_t i;

	if ((rules = svc_say(set, lang)) == NULL)
		return kf_error(cause, "no say-rules for language %s", lang);
	if (value == NULL)
		return kf_error(cause, "nothing to say (the value is NULL)");
	if (say_type_parse(as, &type) == -1)
		return kf_error(cause, "cannot say a value as '%s'", as);
	if (type == SAY_QUANTITY && unit != NULL && *unit != '\0')
		o.unit = unit;
	o.decimals = decimals;
	if (say_value_opts(rules, type, value, &o, &seq, cause) == -1)
		return -1;
	for (i = 0; i < seq.n; i++)
		flow_prompts_add(out, seq.items[i].id, seq.items[i].text);
	say_seq_free(&seq);
	return 0;
}

static const struct flow_say_ops svc_say_ops = {
	.say = svc_say_value,
};

static const char *
svc_prompt_text(void *arg, const char *lang, const char *id)
{
	struct svc_set *set = arg;
	const struct prompt *p;

	p = prompts_find(audio_cache_prompts(set->audio), lang, id);
	return p != NULL ? p->text : NULL;
}

static const struct flow_prompt_ops svc_prompt_ops = {
	.text = svc_prompt_text,
};

/* ---- building, checking and swapping sets ---- */

static void
svc_set_free(struct svc_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	if (set->flows != NULL)
		flow_set_unref(set->flows);
	for (i = 0; i < set->nlangs; i++) {
		if (set->say != NULL && set->say[i] != NULL)
			say_free(set->say[i]);
		free(set->langs[i]);
	}
	free(set->say);
	free(set->langs);
	if (set->audio != NULL)
		audio_cache_free(set->audio);
	audio_speaker_free(set->speak);
	if (set->maps != NULL)
		map_set_free(set->maps);
	free(set);
}

static void
svc_split_langs(struct svc_set *set, const char *list)
{
	char *copy = xstrdup(list), *p, *tok, *save = NULL;

	for (p = copy; (tok = strtok_r(p, ", ", &save)) != NULL; p = NULL) {
		set->langs = xreallocarray(set->langs, set->nlangs + 1,
		    sizeof *set->langs);
		set->langs[set->nlangs++] = xstrdup(tok);
	}
	free(copy);
}

static int
svc_set_load(struct svc *svc, int flags, struct svc_set **out,
    char **cause)
{
	const struct conf *conf = svc->conf;
	struct map_load_cfg mc = { 0 };
	struct prompts *pr = NULL;
	struct svc_set *set;
	size_t i;

	set = xcalloc(1, sizeof *set);
	set->svc = svc;
	svc_split_langs(set, conf->languages);
	mc.path = conf->mappings_dir;
	mc.conf = conf;
	mc.source = map_pools_source;
	mc.arg = svc->pools;
	if (map_load(&mc, &set->maps, cause) == -1)
		goto fail;
	if (prompts_load(conf->prompts_dir, conf->languages, &pr,
	    cause) == -1)
		goto fail;
	set->audio = audio_cache_new(pr);
	set->speak = audio_speaker_new(256, NULL);
	set->say = xcalloc(set->nlangs, sizeof *set->say);
	for (i = 0; i < set->nlangs; i++)
		if (say_load(conf->prompts_dir, set->langs[i], &set->say[i],
		    cause) == -1)
			goto fail;
	if (!(flags & SVC_NOFLOWS) &&
	    flow_set_load(conf->flows_dir, NULL, &set->flows, cause) == -1)
		goto fail;
	set->env.map = &svc_map_ops;
	set->env.map_arg = set;
	set->env.say = &svc_say_ops;
	set->env.say_arg = set;
	set->env.prompts = &svc_prompt_ops;
	set->env.prompts_arg = set;
	set->env.langs = (const char *const *)set->langs;
	set->env.nlangs = set->nlangs;
	*out = set;
	return 0;
fail:
	svc_set_free(set);
	return -1;
}

int
svc_check(struct svc_set *set, struct strbuf *out, struct strbuf *warn)
{
	const struct prompts *pr = audio_cache_prompts(set->audio);
	const char **ids;
	size_t i, j, n;
	int problems = 0;

	if (set->flows != NULL)
		problems += flow_check(set->flows, &set->env, out);
	for (i = 0; i < set->nlangs; i++) {
		n = say_ids(set->say[i], &ids);
		for (j = 0; j < n; j++) {
			if (prompts_find(pr, set->langs[i], ids[j]) != NULL)
				continue;
			sb_addf(out, "%s/%s: say-rules use prompt '%s', "
			    "which is not in the catalog\n",
			    set->svc->conf->prompts_dir, set->langs[i], ids[j]);

			problems++;
		}
		free(ids);
	}
	if (warn != NULL)
		prompts_report(pr, warn);
	return problems;
}

size_t
svc_preload(struct svc_set *set, const struct audio_fmt *fmt)
{
	uint64_t t0 = now_ms();
	size_t before, n, bytes;

	before = audio_cache_count(set->audio, fmt, NULL);
	audio_preload(set->audio, fmt);
	audio_speaker_warm(set->speak);
	n = audio_cache_count(set->audio, fmt, &bytes);
	log_info("prompts ready in %s at %u Hz (generation %u): %zu clips, "
	    "%zu converted now, %zu kB, in %llu ms", pcm_enc_name(fmt->enc),
	    fmt->rate, set->gen, n, n - before, (bytes + 1023) / 1024,
	    (unsigned long long)(now_ms() - t0));
	return n;
}

int
svc_open(const struct conf *conf, int flags, struct svc **out,
    char **cause)
{
	struct svc *svc;

	svc = xcalloc(1, sizeof *svc);
	svc->conf = conf;
	pthread_mutex_init(&svc->mtx, NULL);
	if (db_adapters_load(conf->adapters_dir, &svc->ads, cause) == -1 ||
	    map_pools_open(conf, svc->ads, &svc->pools, cause) == -1 ||
	    svc_set_load(svc, flags, &svc->cur, cause) == -1) {
		svc_close(svc);
		return -1;
	}
	svc->cur->gen = ++svc->gen;
	svc->cur->refs = 1;
	*out = svc;
	return 0;
}

void
svc_close(struct svc *svc)
{
	if (svc == NULL)
		return;
	if (svc->cur != NULL)
		svc_release(svc->cur);
	if (svc->pools != NULL)
		map_pools_close(svc->pools);
	if (svc->ads != NULL)
		db_adapters_free(svc->ads);
	pthread_mutex_destroy(&svc->mtx);
	free(svc);
}

struct svc_set *
svc_acquire(struct svc *svc)
{
	struct svc_set *set;

	pthread_mutex_lock(&svc->mtx);
	set = svc->cur;
	set->refs++;
	pthread_mutex_unlock(&svc->mtx);
	return set;
}

void
svc_release(struct svc_set *set)
{
	struct svc *svc = set->svc;
	int last;

	pthread_mutex_lock(&svc->mtx);
	last = --set->refs == 0;
	pthread_mutex_unlock(&svc->mtx);
	if (last)
		svc_set_free(set);
}

int
svc_reload(struct svc *svc, char **cause)
{
	struct svc_set *set, *old;
	struct strbuf problems = STRBUF_INIT;
	int n;

	if (svc_set_load(svc, 0, &set, cause) == -1)
		return -1;
	if ((n = svc_check(set, &problems, NULL)) > 0) {
		kf_error(cause, "%d problem%s found, the running "
		    "configuration stays:\n%s", n, n == 1 ? "" : "s",
		    sb_str(&problems));
		sb_free(&problems);
		svc_set_free(set);
		return -1;
	}
	sb_free(&problems);
	pthread_mutex_lock(&svc->mtx);
	old = svc->cur;
	set->gen = ++svc->gen;
	set->refs = 1;
	svc->cur = set;
	pthread_mutex_unlock(&svc->mtx);
	svc_release(old);
	return 0;
}

struct db_source *
svc_source(struct svc *svc, const char *name)
{
	return map_pools_source(svc->pools, name);
}

/* One prompt of a stream: bytes of a clip, or a text being spoken. */
struct svc_part {
	const uint8_t *data;    /* a clip's bytes (NULL: speech) */
	uint8_t *own;           /* data when it is this part's own (a
				   caller's recording played back) */
	size_t len, off;
	struct audio_speech *speech;
	const char *text;       /* what the speech says, for the log */
};

struct svc_stream {
	struct svc_set *set;
	const char *lang;
	struct audio_fmt fmt;
	struct svc_part *part;
	size_t n, cur;
	size_t played;          /* bytes of the current part read */
};

/* A beep instead of text that cannot be spoken. */
static void
svc_part_beep(struct svc_stream *st, struct svc_part *pt, const char *why)
{
	const struct audio_clip *clip;

	log_warnx("cannot speak \"%s\": %s; playing a beep", pt->text, why);
	clip = audio_get(st->set->audio, st->lang, "sys.beep", &st->fmt);
	pt->data = clip->data;
	pt->len = clip->len;
	pt->off = 0;
}

/* Queue text for speech in lang (a beep when it cannot be spoken). */
static void
svc_part_speak(struct svc_stream *st, struct svc_part *pt, const char *lang,
    const char *text)
{
	char *why = NULL;

	pt->text = text;
	if (audio_speech_open(st->set->speak, lang, text, &st->fmt,
	    &pt->speech, &why) == 0)
		return;
	svc_part_beep(st, pt, why);
	free(why);
}

/*
 * A caller's recording played back (FLOW_PROMPT_RECORDING): a file of
 * the spool only, read and converted to the line's format for this
 * stream (never into the shared cache); a beep when it cannot be.
 */
static void
svc_part_recording(struct svc_stream *st, struct svc_part *pt,
    const char *path)
{
	const char *spool = st->set->svc->conf->spool_dir;
	const struct audio_clip *clip;
	size_t n = strlen(spool);
	struct audio_pcm raw, pcm;
	char *cause = NULL;

	memset(&raw, 0, sizeof raw);
	memset(&pcm, 0, sizeof pcm);
	if (strncmp(path, spool, n) != 0 || path[n] != '/' ||
	    strstr(path, "/../") != NULL)
		cause = xasprintf("%s is not in the spool %s", path, spool);
	else if (wav_read(path, &raw, &cause) == 0 &&
	    pcm_resample(&raw, st->fmt.rate, &pcm, &cause) == 0) {
		pt->own = xmalloc(pcm.n * pcm_bytes_per_sample(st->fmt.enc) +
		    1);
		pcm_encode(st->fmt.enc, pcm.s, pcm.n, pt->own);
		pt->data = pt->own;
		pt->len = pcm.n * pcm_bytes_per_sample(st->fmt.enc);
	}
	pcm_free(&raw);
	pcm_free(&pcm);
	if (pt->own != NULL)
		return;
	log_warnx("cannot play the caller's recording back: %s; playing a "
	    "beep", cause);
	free(cause);
	clip = audio_get(st->set->audio, st->lang, "sys.beep", &st->fmt);
	pt->data = clip->data;
	pt->len = clip->len;
}

struct svc_stream *
svc_stream_open(struct svc_set *set, const char *lang,
    const struct flow_prompt *p, size_t n, const struct audio_fmt *fmt)
{
	const struct prompts *pr = audio_cache_prompts(set->audio);
	struct svc_stream *st = xcalloc(1, sizeof *st);
	const struct audio_clip *clip;
	const char *voice, *say;
	struct svc_part *pt;
	size_t i;

	st->set = set;
	st->lang = lang;
	st->fmt = *fmt;
	st->part = xcalloc(n + 1, sizeof *st->part);
	st->n = n;
	/*
	 * audio_sound decides each prompt's sound; every text is queued
	 * now, spoken while the parts before it play.
	 */
	for (i = 0; i < n; i++) {
		pt = &st->part[i];
		if (strcmp(p[i].id, FLOW_PROMPT_RECORDING) == 0 &&
		    p[i].text != NULL) {
			svc_part_recording(st, pt, p[i].text);
			continue;
		}
		if (audio_sound(pr, lang, p[i].id, p[i].text, &voice, &say) ==
		    AUDIO_SOUND_SPEECH) {
			if (strcmp(p[i].id, "text") != 0)
				log_debug("%s has no audio; speaking its text",
				    p[i].id);
			svc_part_speak(st, pt, voice, say);
			continue;
		}
		clip = audio_get(set->audio, lang, p[i].id, fmt);
		pt->data = clip->data;
		pt->len = clip->len;
	}
	return st;
}

ssize_t
svc_stream_read(void *arg, void *buf, size_t max, int wait_ms)
{
	struct svc_stream *st = arg;
	struct svc_part *pt;
	ssize_t got;
	size_t n;

	while (st->cur < st->n) {
		pt = &st->part[st->cur];
		if (pt->speech != NULL) {
			got = audio_speech_read(pt->speech, buf, max, wait_ms);
			if (got != 0) {
				st->played += got > 0 ? (size_t)got : 0;
				return got;
			}
			/* spoken to the end, or failed before a sound */
			if (audio_speech_error(pt->speech) != NULL &&
			    st->played == 0) {
				svc_part_beep(st, pt,
				    audio_speech_error(pt->speech));
				audio_speech_close(pt->speech);
				pt->speech = NULL;
				continue;
			}
		} else if (pt->off < pt->len) {
			n = pt->len - pt->off < max ? pt->len - pt->off : max;
			memcpy(buf, pt->data + pt->off, n);
			pt->off += n;
			return (ssize_t)n;
		}
		st->cur++;
		st->played = 0;
	}
	return 0;
}

void
svc_stream_close(struct svc_stream *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++) {
		audio_speech_close(st->part[i].speech);
		free(st->part[i].own);
	}
	free(st->part);
	free(st);
}

int
svc_render(struct svc_set *set, const char *lang, const struct flow_prompt *p,
    size_t n, const struct audio_fmt *fmt, uint8_t **out, size_t *len,
    char **cause)
{
	struct svc_stream *st = svc_stream_open(set, lang, p, n, fmt);
	struct strbuf sb = STRBUF_INIT;
	uint8_t buf[4096];
	ssize_t got;

	(void)cause;
	while ((got = svc_stream_read(st, buf, sizeof buf, 1000)) != 0)
		if (got > 0)
			sb_add(&sb, buf, (size_t)got);
	svc_stream_close(st);
	*len = sb.len;
	*out = (uint8_t *)sb_steal(&sb);
	return 0;
}
