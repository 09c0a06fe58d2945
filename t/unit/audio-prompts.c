/*
 * audio-prompts.c: unit tests of the prompt catalogs and the shared
 * cache: loading, file:line errors (broken XML, duplicate ids, bad
 * attributes), the audio search path, fallbacks and their report, clip
 * sharing between lines and threads, rendering a sequence, and
 * generation with espeak-ng (a stand-in script, and the real one when
 * installed).
 */
#include "config.h"

#include <sys/stat.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"
#include "../tap.h"

static char tmp[64];

static void
put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmp, rel), *p;

	for (p = path + strlen(tmp) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (file_write_atomic(path, text, strlen(text), NULL) == -1)
		printf("# cannot write %s\n", path);
	free(path);
}

/* A tone recording of ms at rate under tmp. */
static void
put_wav(const char *rel, unsigned rate, unsigned ms)
{
	struct audio_pcm t;
	char *path = xasprintf("%s/%s", tmp, rel);

	tone_make(&t, rate, 600, ms, 8000);
	if (wav_write_pcm(path, &t, NULL, NULL) == -1)
		printf("# cannot write %s\n", path);
	pcm_free(&t);
	free(path);
}

static char *
dir(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

static void
rm_rf(const char *path)
{
	char *cmd = xasprintf("rm -rf '%s'", path);

	if (system(cmd) != 0)
		printf("# %s failed\n", cmd);
	free(cmd);
}

static const char zh_cat[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<prompts lang=\"zh-CN\">\n"
    "  <prompt id=\"greet\">您好</prompt>\n"
    "  <prompt id=\"bye\" file=\"sub/bye.ogg\">再见</prompt>\n"
    "  <prompt id=\"only.zh\">\n    只有\n    普通话\n  </prompt>\n"
    "  <prompt id=\"nowhere\">没有</prompt>\n"
    "  <prompt id=\"beep\" tone=\"1000:200\">（提示音）</prompt>\n"
    "</prompts>\n";
static const char yue_cat[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<prompts lang=\"yue\">\n"
    "  <prompt id=\"greet\">你好</prompt>\n"
    "  <prompt id=\"bye\">再見</prompt>\n"
    "  <prompt id=\"nowhere\">冇</prompt>\n"
    "</prompts>\n";

static void
setup_good(void)
{
	rm_rf(tmp);
	mkdir(tmp, 0700);
	put("p/zh-CN/prompts.xml", zh_cat);
	put("p/yue/prompts.xml", yue_cat);
	put_wav("p/zh-CN/greet.wav", 22050, 1000);
	put("p/zh-CN/sub/x", "");
	put_wav("p/zh-CN/sub/bye.ogg", 8000, 500);   /* WAV data, any name */
	put_wav("p/zh-CN/only.zh.wav", 16000, 250);
	put_wav("p/yue/greet.wav", 8000, 400);
	put("gen/yue/x", "");
	put_wav("gen/yue/bye.wav", 8000, 300);
}

static void
test_load(void)
{
	struct prompts *pr;
	const struct prompt *p;
	struct strbuf rep = STRBUF_INIT;
	char *d = dir("p"), *gen = dir("gen"), *cause = NULL;
	size_t n;

	setup_good();
	setenv("KEFU_PROMPTS_GEN", gen, 1);
	ok(prompts_load(d, "zh-CN, yue", &pr, &cause) == 0, "load the catalogs "
	    "(%s)", cause ? cause : "ok");
	if (pr == NULL)
		return;
	is_int(pr->n, 8, "8 prompts in 2 languages");
	is_int(pr->nlangs, 2, "2 languages");
	is_str(pr->langs[0], "zh-CN", "zh-CN first");
	is_str(pr->gendirs[0], gen, "KEFU_PROMPTS_GEN searched first");
	p = prompts_find(pr, "zh-CN", "greet");
	ok(p && p->how == PROMPT_RECORDED, "zh-CN greet is recorded");
	is_int(p ? p->line : 0, 3, "... from line 3");
	p = prompts_find(pr, "zh-CN", "only.zh");
	is_str(p ? p->text : NULL, "只有 普通话", "text is trimmed, white "
	    "space folded");
	is_str(p ? p->file : NULL, "only.zh.wav", "default file is ID.wav");
	p = prompts_find(pr, "zh-CN", "bye");
	ok(p && p->how == PROMPT_RECORDED, "file= with any extension");
	p = prompts_find(pr, "yue", "bye");
	ok(p && p->how == PROMPT_GENERATED && strstr(p->path, "gen/yue/"),
	    "yue bye found in the generated folder");
	p = prompts_find(pr, "zh-CN", "beep");
	ok(p && p->how == PROMPT_TONE, "tone prompt");
	ok(prompts_find(pr, "yue", "only.zh") == NULL, "yue lacks only.zh");
	p = prompts_resolve(pr, "yue", "only.zh");
	is_str(p ? p->lang : NULL, "zh-CN", "... and falls back to zh-CN");
	ok(prompts_resolve(pr, "yue", "nowhere") == NULL, "nowhere has no "
	    "audio at all");
	n = prompts_report(pr, &rep);
	is_int(n, 4, "4 problems reported");
	like(sb_str(&rep), "yue: nowhere: no audio (nowhere.wav); plays a beep",
	    "missing everywhere: a beep");
	like(sb_str(&rep), "yue: only.zh: not in the catalog", "id missing "
	    "from yue");
	like(sb_str(&rep), "; plays zh-CN", "... plays zh-CN");
	like(sb_str(&rep), "yue: beep: not in the catalog", "tone missing "
	    "from yue");
	sb_free(&rep);
	prompts_free(pr);

	/* Scan the folder for languages; no env: the generated root is gone. */
	unsetenv("KEFU_PROMPTS_GEN");
	ok(prompts_load(d, NULL, &pr, &cause) == 0 && pr->nlangs == 2,
	    "languages found by scanning");
	p = prompts_find(pr, "yue", "bye");
	ok(p && p->how == PROMPT_MISSING, "without KEFU_PROMPTS_GEN yue bye "
	    "is missing");
	prompts_free(pr);
	/* <prompts>/generated is searched too. */
	put("p/generated/yue/x", "");
	put_wav("p/generated/yue/bye.wav", 8000, 300);
	ok(prompts_load(d, NULL, &pr, &cause) == 0, "load again");
	is_int(pr->nlangs, 2, "the generated folder is not a language");
	p = prompts_find(pr, "yue", "bye");
	ok(p && p->how == PROMPT_GENERATED, "found in <prompts>/generated");
	prompts_free(pr);
	is_int(prompts_load(d, "zh-CN,en", &pr, &cause), -1, "a configured "
	    "language without a folder is an error");
	like(cause, "no catalog (*.xml) for language en", "... named");
	free(cause);
	free(d);
	free(gen);
}

/* Load a one-language catalog made of `xml` and return the error. */
static char *
load_error(const char *xml)
{
	struct prompts *pr;
	char *d = dir("bad"), *cause = NULL;

	rm_rf(d);
	put("bad/zh-CN/c.xml", xml);
	if (prompts_load(d, "zh-CN", &pr, &cause) == 0) {
		prompts_free(pr);
		cause = xstrdup("(loaded)");
	}
	free(d);
	return cause;
}

static void
copy_data(const char *name, const char *to)
{
	const char *src = getenv("KEFU_SRCDIR");
	char *path, *data;
	size_t len;

	path = xasprintf("%s/t/data/audio/%s", src ? src : ".", name);
	if (file_read(path, &data, &len, NULL) == 0) {
		put(to, data);
		free(data);
	} else
		printf("# cannot read %s\n", path);
	free(path);
}

static void
test_errors(void)
{
	struct prompts *pr;
	char *d, *e;

	d = dir("bad");
	rm_rf(d);
	copy_data("broken.xml", "bad/zh-CN/broken.xml");
	ok(prompts_load(d, "zh-CN", &pr, &e) == -1, "broken XML fails");
	like(e, "zh-CN/broken.xml:6: ", "... with file:line");
	free(e);

	rm_rf(d);
	copy_data("dup-a.xml", "bad/zh-CN/dup-a.xml");
	copy_data("dup-b.xml", "bad/zh-CN/dup-b.xml");
	ok(prompts_load(d, "zh-CN", &pr, &e) == -1, "duplicate ids fail");
	like(e, "zh-CN/dup-b.xml:6: duplicate prompt id \"dup.one\" (first at ",
	    "... at the second one");
	like(e, "zh-CN/dup-a.xml:4)", "... naming the first");
	free(e);
	free(d);

	e = load_error("<prompts>\n<prompt id=\"A\">x</prompt>\n</prompts>\n");
	like(e, "c.xml:2: prompt id \"A\"", "upper-case id refused");
	free(e);
	e = load_error("<prompts>\n<prompt>x</prompt>\n</prompts>\n");
	like(e, "c.xml:2: <prompt> without id", "missing id");
	free(e);
	e = load_error("<prompts>\n\n<prompt id=\"a\" voice=\"x\">x</prompt>"
	    "\n</prompts>\n");
	like(e, "c.xml:3: unknown attribute \"voice\"", "unknown attribute");
	free(e);
	e = load_error("<prompts>\n<say id=\"a\">x</say>\n</prompts>\n");
	like(e, "c.xml:2: unknown element <say>", "unknown element");
	free(e);
	e = load_error("<prompts>\n<prompt id=\"a\" file=\"../x.wav\">x"
	    "</prompt>\n</prompts>\n");
	like(e, "must be a relative path", "file outside the folder");
	free(e);
	e = load_error("<prompts>\n<prompt id=\"a\"> </prompt>\n</prompts>\n");
	like(e, "c.xml:2: prompt \"a\" has no text", "empty text");
	free(e);
	e = load_error("<prompts>\n<prompt id=\"a\" tone=\"x\">t</prompt>\n"
	    "</prompts>\n");
	like(e, "c.xml:2: tone \"x\"", "bad tone");
	free(e);
	e = load_error("<prompts lang=\"yue\">\n</prompts>\n");
	like(e, "lang=\"yue\" in the folder of language zh-CN", "lang "
	    "mismatch");
	free(e);
	e = load_error("<catalog/>\n");
	like(e, "c.xml:1: the root element must be <prompts>", "wrong root");
	free(e);
	e = load_error("<prompts>\n<prompt id=\"a\">x<b>y</b></prompt>\n"
	    "<prompt id=\"b\"/>\n</prompts>\n");
	like(e, "<b> inside <prompt>", "markup inside a prompt");
	like(e, "c.xml:3: prompt \"b\" has no text", "every error reported");
	free(e);
}

/* Random damage to a good catalog: an error with the file name, or a load. */
static void
test_garbage(void)
{
	struct prompts *pr;
	char *d = dir("junk"), *buf, *cause;
	size_t len = strlen(zh_cat), i, k, loaded = 0, named = 0;
	unsigned seed = 12345;

	for (k = 0; k < 200; k++) {
		buf = xstrdup(zh_cat);
		for (i = 0; i < 1 + k % 4; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)((seed >> 20) & 0x7f);
		}
		rm_rf(d);
		put("junk/zh-CN/c.xml", buf);
		cause = NULL;
		if (prompts_load(d, "zh-CN", &pr, &cause) == 0) {
			loaded++;
			prompts_free(pr);
		} else if (cause != NULL && strstr(cause, "c.xml") != NULL)
			named++;
		free(cause);
		free(buf);
	}
	is_int(loaded + named, 200, "200 damaged catalogs: each loads or "
	    "names the file (%zu loaded)", loaded);
	free(d);
}

struct getter {
	struct audio_cache *cache;
	const struct audio_clip *clip;
};

static void *
get_thread(void *arg)
{
	struct getter *g = arg;
	struct audio_fmt fmt = { AUDIO_ULAW, 8000 };

	g->clip = audio_get(g->cache, "zh-CN", "greet", &fmt);
	return NULL;
}

/* Recorded announcements named by data (a notice's audio column). */
static void test_sound(const struct prompts *pr);

static void
test_announcements(struct audio_cache *cache, const struct prompts *pr,
    const char *d)
{
	struct audio_fmt ulaw = { AUDIO_ULAW, 8000 };
	const struct audio_clip *clip;
	struct audio_pcm t;
	char *path, *sub, *cause = NULL, *got;

	sub = xasprintf("%s/zh-CN/notices", d);
	mkdir(sub, 0700);
	free(sub);
	tone_make(&t, 16000, 440, 500, 8000);
	path = xasprintf("%s/zh-CN/notices/hours.wav", d);
	ok(wav_write_pcm(path, &t, NULL, &cause) == 0, "announcement written");
	free(path);
	path = xasprintf("%s/shared.wav", d);
	t.n /= 2;       /* 250 ms */
	ok(wav_write_pcm(path, &t, NULL, &cause) == 0, "a shared one too");
	free(path);
	pcm_free(&t);

	got = audio_announcement(pr, "zh-CN", "notices/hours.wav");
	like(got, "/zh-CN/notices/hours.wav", "found in the language folder");
	free(got);
	got = audio_announcement(pr, "yue", "notices/hours.wav");
	ok(got == NULL, "not in yue's folder nor the top one");
	got = audio_announcement(pr, "yue", "shared.wav");
	like(got, "/p/shared.wav", "the top folder serves every language");
	free(got);
	ok(audio_announcement(pr, "zh-CN", "../zh-CN/notices/hours.wav") ==
	    NULL, "'..' is refused");
	ok(audio_announcement(pr, "zh-CN", "/etc/passwd.wav") == NULL,
	    "an absolute path is refused");
	ok(audio_announcement(pr, "zh-CN", "notices/hours") == NULL,
	    "only .wav names are announcements");
	ok(audio_announcement(pr, "zh-CN", "greet") == NULL,
	    "a catalog id is not one");

	clip = audio_get(cache, "zh-CN", "notices/hours.wav", &ulaw);
	ok(clip->how == CLIP_OWN && clip->len == 4000, "the announcement "
	    "plays as recorded: 500 ms of mu-law (%zu bytes, how %d)",
	    clip->len, (int)clip->how);
	clip = audio_get(cache, "zh-CN", "notices/gone.wav", &ulaw);
	is_int(clip->how, CLIP_BEEP, "a missing recording beeps (the call "
	    "channel speaks the notice's text instead)");
	test_sound(pr);
}

/* audio_sound: recorded clip -> generated clip -> live speech -> beep. */
static void
test_sound(const struct prompts *pr)
{
	const char *voice, *say;

	is_int(audio_sound(pr, "zh-CN", "greet", "x", &voice, &say),
	    AUDIO_SOUND_CLIP, "sound: a recorded prompt plays its clip");
	is_int(audio_sound(pr, "yue", "bye", NULL, &voice, &say),
	    AUDIO_SOUND_CLIP, "sound: a generated one too");
	is_int(audio_sound(pr, "yue", "only.zh", "x", &voice, &say),
	    AUDIO_SOUND_CLIP, "sound: another language's clip before speech");
	is_int(audio_sound(pr, "zh-CN", "pause:100", NULL, &voice, &say),
	    AUDIO_SOUND_CLIP, "sound: a pause is a clip");
	is_int(audio_sound(pr, "zh-CN", "notices/hours.wav", "营业时间",
	    &voice, &say), AUDIO_SOUND_CLIP,
	    "sound: an announcement that is there plays as recorded");
	ok(audio_sound(pr, "zh-CN", "notices/gone.wav", "营业时间", &voice,
	    &say) == AUDIO_SOUND_SPEECH && strcmp(voice, "zh-CN") == 0 &&
	    strcmp(say, "营业时间") == 0,
	    "sound: one that is not there is spoken from its text");
	is_int(audio_sound(pr, "zh-CN", "notices/gone.wav", NULL, &voice,
	    &say), AUDIO_SOUND_BEEP, "sound: without a text it beeps");
	is_int(audio_sound(pr, "yue", "nowhere", "", &voice, &say),
	    AUDIO_SOUND_BEEP, "sound: no audio and no text: a beep");
	ok(audio_sound(pr, "yue", "text", "可口可乐", &voice, &say) ==
	    AUDIO_SOUND_SPEECH && strcmp(say, "可口可乐") == 0 &&
	    strcmp(voice, "yue") == 0, "sound: free text is spoken");
}

static void
test_cache(void)
{
	struct audio_fmt ulaw = { AUDIO_ULAW, 8000 }, u8 = { AUDIO_U8, 7200 };
	struct audio_fmt s16 = { AUDIO_S16LE, 8000 };
	const struct audio_clip *a, *b, *c, *clip;
	struct getter g[4];
	pthread_t th[4];
	struct audio_cache *cache;
	struct prompts *pr;
	const char *ids[] = { "greet", "pause:100", "bye" };
	const char *bad[] = { "greet", "pause:x" };
	uint8_t *buf;
	size_t len, i, same = 0;
	char *d = dir("p"), *gen = dir("gen"), *cause = NULL;

	setup_good();
	setenv("KEFU_PROMPTS_GEN", gen, 1);
	if (prompts_load(d, "zh-CN,yue", &pr, &cause) == -1) {
		ok(0, "load: %s", cause);
		return;
	}
	cache = audio_cache_new(pr);
	for (i = 0; i < 4; i++) {
		g[i].cache = cache;
		pthread_create(&th[i], NULL, get_thread, &g[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		same += g[i].clip == g[0].clip;
	}
	is_int(same, 4, "4 lines (threads) get the same clip pointer");
	a = audio_get(cache, "zh-CN", "greet", &ulaw);
	ok(a == g[0].clip, "and later callers too");
	ok(a->len >= 7990 && a->len <= 8010, "22050 Hz, 1 s -> ~8000 mu-law "
	    "bytes (%zu)", a->len);
	is_int(a->how, CLIP_OWN, "own audio");
	is_str(a->text, "您好", "text for transcripts");
	b = audio_get(cache, "zh-CN", "greet", &u8);
	ok(b != a && b->len >= 7190 && b->len <= 7210, "u8/7200 is its own "
	    "clip (%zu bytes)", b->len);
	c = audio_get(cache, "zh-CN", "greet", &s16);
	ok(c->len == 2 * c->nsamples && c->nsamples >= 7990, "s16le: 2 bytes "
	    "per sample");
	clip = audio_get(cache, "yue", "only.zh", &ulaw);
	is_int(clip->how, CLIP_OTHER_LANG, "yue only.zh plays zh-CN audio");
	is_int(clip->len, 2000, "... 250 ms");
	is_str(clip->text, "只有 普通话", "... with its text");
	clip = audio_get(cache, "yue", "nowhere", &ulaw);
	is_int(clip->how, CLIP_BEEP, "nowhere plays a beep");
	is_int(clip->len, 2400, "... of 300 ms");
	is_str(clip->text, "冇", "... with the yue text");
	clip = audio_get(cache, "zh-CN", "no.such.id", &ulaw);
	is_int(clip->how, CLIP_BEEP, "an unknown id plays a beep");
	clip = audio_get(cache, "zh-CN", "beep", &ulaw);
	ok(clip->how == CLIP_OWN && clip->len == 1600, "tone prompt: 200 ms");
	clip = audio_get(cache, "yue", "bye", &ulaw);
	ok(clip->how == CLIP_OWN && clip->len == 2400, "generated yue bye");
	ok(audio_cache_bytes(cache) > 30000, "cache counts its bytes (%zu)",
	    audio_cache_bytes(cache));

	ok(audio_render(cache, "zh-CN", ids, 3, &ulaw, &buf, &len,
	    &cause) == 0, "render greet, pause, bye");
	clip = audio_get(cache, "zh-CN", "bye", &ulaw);
	is_int(len, a->len + 800 + clip->len, "length is the sum");
	ok(memcmp(buf, a->data, a->len) == 0 &&
	    memcmp(buf + a->len + 800, clip->data, clip->len) == 0,
	    "clips copied in order");
	ok(buf[a->len] == 0xff && buf[a->len + 799] == 0xff, "pause is mu-law "
	    "silence");
	free(buf);
	clip = audio_get(cache, "zh-CN", "pause:250", &s16);
	ok(clip->len == 4000 && clip->data[0] == 0 && clip->data[3999] == 0 &&
	    clip == audio_get(cache, "zh-CN", "pause:250", &s16),
	    "pause:250 is a shared clip of 16-bit silence");
	is_int(audio_get(cache, "zh-CN", "pause:x", &ulaw)->how, CLIP_BEEP,
	    "audio_get of a bad pause beeps");
	is_int(audio_render(cache, "zh-CN", bad, 2, &ulaw, &buf, &len, &cause),
	    -1, "bad pause refused");
	like(cause, "pause:x", "... named");
	free(cause);
	audio_preload(cache, &s16);
	clip = audio_get(cache, "yue", "greet", &s16);
	is_int(clip->nsamples, 3200, "preload built yue greet (400 ms)");
	test_announcements(cache, pr, d);
	audio_cache_free(cache);
	unsetenv("KEFU_PROMPTS_GEN");
	free(d);
	free(gen);
}

static void
test_espeak_fake(void)
{
	struct espeak_stats st;
	struct prompts *pr;
	const struct prompt *p;
	char *d = dir("p"), *out = dir("out"), *fake, *cause = NULL, *script;
	struct audio_pcm pcm;
	int rc;

	setup_good();
	/* A stand-in for espeak-ng: writes a tone with sox (-w FILE). */
	fake = dir("fake-espeak");
	script = xasprintf("#!/bin/sh\n"
	    "while [ $# -gt 1 ]; do case $1 in -w) out=$2;; esac; shift; done\n"
	    "echo \"$1\" >>%s/spoken\n"
	    "case \"$1\" in *fail*) exit 3;; esac\n"
	    "exec sox -n -r 22050 -b 16 \"$out\" synth 0.5 sine 300 "
	    "pad 0.2 0.4\n", tmp);
	put("fake-espeak", script);
	chmod(fake, 0755);
	free(script);
	if (system("sox --version >/dev/null 2>&1") != 0) {
		printf("ok %d # SKIP sox not installed\n", ++tap_n);
		goto out;
	}
	if (prompts_load(d, NULL, &pr, &cause) == -1) {
		ok(0, "load: %s", cause);
		goto out;
	}
	ok(espeak_build(pr, out, fake, 0, &st, &cause) == 0, "build with a "
	    "stand-in espeak");
	is_int(st.generated, 4, "4 generated (zh-CN nowhere and beep, yue "
	    "bye and nowhere)");
	is_int(st.recorded, 4, "4 recorded are skipped");
	prompts_free(pr);
	setenv("KEFU_PROMPTS_GEN", out, 1);
	prompts_load(d, NULL, &pr, &cause);
	p = prompts_find(pr, "yue", "nowhere");
	ok(p && p->how == PROMPT_GENERATED, "generated audio is found");
	/* 0.2 s silence, 0.5 s tone, 0.4 s silence: trimmed to the tone,
	 * 10 ms faded each side, and a 40 ms pause */
	memset(&pcm, 0, sizeof pcm);
	if (p != NULL)
		(void)wav_read(p->path, &pcm, NULL);
	ok(pcm.rate == 8000 &&
	    pcm.n >= 4000 + 160 + 320 - 4 && pcm.n <= 4000 + 160 + 320 + 4,
	    "8000 Hz, 0.5 s of sound trimmed to 20 ms of fades and a 40 ms "
	    "pause (%zu samples)", pcm.n);
	ok(pcm.n > 320 && pcm.s[0] == 0 && pcm.s[pcm.n - 321] == 0 &&
	    pcm.s[pcm.n - 1] == 0 && abs(pcm.s[121]) > 1000,
	    "faded from and to zero, sound after 10 ms");
	pcm_free(&pcm);
	p = prompts_find(pr, "zh-CN", "beep");
	ok(p && p->how == PROMPT_GENERATED && wav_read(p->path, &pcm,
	    NULL) == 0 && pcm.n == 1600, "tone prompt written as a tone");
	pcm_free(&pcm);
	ok(espeak_build(pr, out, fake, 0, &st, &cause) == 0 &&
	    st.generated == 0 && st.uptodate == 4, "second run: all up to "
	    "date");
	prompts_free(pr);
	put("p/yue/prompts.xml", "<prompts lang=\"yue\">\n"
	    "<prompt id=\"greet\">你好</prompt>\n"
	    "<prompt id=\"bye\">拜拜</prompt>\n"
	    "<prompt id=\"nowhere\">冇</prompt>\n"
	    "<prompt id=\"oops\">fail</prompt>\n</prompts>\n");
	prompts_load(d, NULL, &pr, &cause);
	is_int(espeak_build(pr, out, fake, 0, &st, &cause), -1, "a failing "
	    "prompt fails the build");
	like(cause, "1 prompts could not be generated", "... counted");
	free(cause);
	ok(st.generated == 1 && st.uptodate == 3 && st.failed == 1,
	    "only the changed text was spoken again (%zu/%zu/%zu)",
	    st.generated, st.uptodate, st.failed);
	rc = espeak_build(pr, out, fake, 1, &st, &cause);
	ok(rc == -1 && st.generated == 8, "--force speaks everything (%zu)",
	    st.generated);
	free(cause);
	prompts_free(pr);
	unsetenv("KEFU_PROMPTS_GEN");
out:
	free(fake);
	free(d);
	free(out);
}

static void
test_espeak_real(void)
{
	struct espeak_stats st;
	struct prompts *pr;
	const struct prompt *p;
	struct audio_pcm pcm;
	char *d = dir("real"), *out = dir("real-out"), *cause = NULL;

	if (system("espeak-ng --version >/dev/null 2>&1") != 0) {
		printf("ok %d # SKIP espeak-ng not installed\n", ++tap_n);
		goto out;
	}
	put("real/zh-CN/a.xml", "<prompts lang=\"zh-CN\"><prompt id=\"x\">"
	    "欢迎</prompt></prompts>");
	put("real/yue/a.xml", "<prompts lang=\"yue\"><prompt id=\"x\">"
	    "歡迎</prompt></prompts>");
	prompts_load(d, NULL, &pr, &cause);
	ok(espeak_build(pr, out, NULL, 0, &st, &cause) == 0 &&
	    st.generated == 2, "espeak-ng speaks Mandarin and Cantonese");
	prompts_free(pr);
	setenv("KEFU_PROMPTS_GEN", out, 1);
	prompts_load(d, NULL, &pr, &cause);
	p = prompts_find(pr, "yue", "x");
	ok(p && p->how == PROMPT_GENERATED && wav_read(p->path, &pcm,
	    NULL) == 0 && pcm.rate == 8000 && pcm.n > 2000,
	    "yue audio at 8000 Hz");
	pcm_free(&pcm);
	prompts_free(pr);
	unsetenv("KEFU_PROMPTS_GEN");
out:
	free(d);
	free(out);
}

/*
 * lang= on a prompt: the language its text is in.  Such a prompt never
 * falls back to another catalog's entry of the same id (that one says
 * something else), and an unknown language is a file:line error.
 */
static void
test_spoken(void)
{
	struct prompts *pr;
	struct audio_cache *cache;
	const struct audio_clip *clip;
	const struct prompt *p;
	struct audio_fmt fmt = { AUDIO_ULAW, 8000 };
	struct strbuf rep = STRBUF_INIT;
	char *d = dir("s"), *cause = NULL, *e;
	const char *voice, *say;

	rm_rf(d);
	put("s/zh-CN/prompts.xml", "<prompts lang=\"zh-CN\">\n"
	    "<prompt id=\"offer\" lang=\"yue\">廣東話服務</prompt>\n"
	    "<prompt id=\"x\">普通话</prompt>\n"
	    "<prompt id=\"own\" lang=\"zh-CN\">自己</prompt>\n"
	    "</prompts>\n");
	put("s/yue/prompts.xml", "<prompts lang=\"yue\">\n"
	    "<prompt id=\"offer\" lang=\"zh-CN\">普通话服务</prompt>\n"
	    "<prompt id=\"x\">廣東話</prompt>\n"
	    "<prompt id=\"own\">自己</prompt>\n"
	    "</prompts>\n");
	put_wav("s/yue/offer.wav", 8000, 300);
	put_wav("s/yue/x.wav", 8000, 300);
	if (prompts_load(d, NULL, &pr, &cause) == -1) {
		ok(0, "catalogs with lang= load: %s", cause);
		free(cause);
		free(d);
		return;
	}
	p = prompts_find(pr, "zh-CN", "offer");
	ok(p != NULL && p->spoken != NULL && strcmp(p->spoken, "yue") == 0 &&
	    strcmp(prompts_spoken(p), "yue") == 0,
	    "zh-CN's offer is spoken in yue");
	p = prompts_find(pr, "zh-CN", "own");
	ok(p != NULL && p->spoken == NULL && strcmp(prompts_spoken(p),
	    "zh-CN") == 0, "lang= of the catalog's own language: no change");
	ok(prompts_resolve(pr, "zh-CN", "offer") == NULL,
	    "no audio: it does not fall back to yue's offer (another text)");
	p = prompts_resolve(pr, "zh-CN", "x");
	ok(p != NULL && strcmp(p->lang, "yue") == 0,
	    "ordinary prompts still fall back");
	prompts_report(pr, &rep);
	like(sb_str(&rep), "zh-CN: offer: no audio (offer.wav, spoken in "
	    "yue); plays a beep", "the report says so");
	sb_free(&rep);
	cache = audio_cache_new(pr);
	clip = audio_get(cache, "zh-CN", "offer", &fmt);
	is_int(clip->how, CLIP_BEEP, "the cache beeps rather than play yue's "
	    "offer");
	clip = audio_get(cache, "yue", "offer", &fmt);
	is_int(clip->how, CLIP_OWN, "yue's offer plays its own audio");
	ok(audio_sound(pr, "zh-CN", "offer", NULL, &voice, &say) ==
	    AUDIO_SOUND_SPEECH && strcmp(voice, "yue") == 0 &&
	    strcmp(say, "廣東話服務") == 0,
	    "audio_sound: it is spoken from its text in yue's voice");
	audio_cache_free(cache);

	e = load_error("<prompts lang=\"zh-CN\">\n"
	    "<prompt id=\"a\" lang=\"tlh\">Qapla'</prompt>\n</prompts>\n");
	like(e, "c.xml:2: lang=\"tlh\": kefu knows no language tlh",
	    "an unknown language is a file:line error");
	free(e);
	free(d);
}

/*
 * The shipped catalogs: each language's menu.lang is generated in the
 * voice of the other language (the voice table of espeak.c, whatever it
 * names), as a stand-in espeak-ng records each run's -v.
 */
static void
test_menu_lang_voice(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	const char *zh = espeak_voice("zh-CN"), *yue = espeak_voice("yue");
	struct espeak_stats st;
	struct prompts *pr;
	char *d, *out = dir("ml-out"), *fake = dir("ml-espeak"), *script;
	char *log, *want, *cause = NULL;
	size_t i, len;
	int bad;

	if (system("sox --version >/dev/null 2>&1") != 0) {
		printf("ok %d # SKIP sox not installed\n", ++tap_n);
		free(out);
		free(fake);
		return;
	}
	ok(zh != NULL && yue != NULL && strcmp(zh, yue) != 0,
	    "Mandarin and Cantonese have voices of their own (%s, %s)",
	    zh ? zh : "-", yue ? yue : "-");
	script = xasprintf("#!/bin/sh\n"
	    "while [ $# -gt 1 ]; do case $1 in -v) v=$2;; -w) out=$2;; esac;"
	    " shift; done\n"
	    "echo \"$v|$1\" | sed 's/| */|/' >>%s/ml-voices\n"
	    "exec sox -n -r 22050 -b 16 \"$out\" synth 0.2 sine 300\n", tmp);
	put("ml-espeak", script);
	chmod(fake, 0755);
	free(script);
	d = xasprintf("%s/prompts", src ? src : ".");
	if (prompts_load(d, NULL, &pr, &cause) == -1) {
		ok(0, "shipped catalogs: %s", cause);
		free(cause);
		goto out;
	}
	/* no other prompt offers the other language in the wrong voice */
	for (i = 0, bad = 0; i < pr->n; i++)
		if ((strstr(pr->p[i].text, "廣東話服務") != NULL &&
		    strcmp(prompts_spoken(&pr->p[i]), "yue") != 0) ||
		    (strstr(pr->p[i].text, "普通话服务") != NULL &&
		    strcmp(prompts_spoken(&pr->p[i]), "zh-CN") != 0)) {
			tap_diag("%s:%d: %s offers the other language in the "
			    "voice of %s", pr->p[i].src, pr->p[i].line,
			    pr->p[i].id, prompts_spoken(&pr->p[i]));
			bad++;
		}
	is_int(bad, 0, "the offer of a language is said only in it "
	    "(menu.main leaves it to menu.lang)");
	/* speak only menu.lang: the others count as recorded */
	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->p[i].id, "menu.lang") != 0)
			pr->p[i].how = PROMPT_RECORDED;
	ok(espeak_build(pr, out, fake, 0, &st, &cause) == 0 &&
	    st.generated == 2, "menu.lang generated in both languages");
	prompts_free(pr);
	log = dir("ml-voices");
	if (file_read(log, &script, &len, NULL) == -1)
		script = xstrdup("");
	want = xasprintf("%s|廣東話服務，請按八。", yue);
	like(script, want, "zh-CN's menu.lang in the Cantonese voice (%s)",
	    yue);
	free(want);
	want = xasprintf("%s|普通话服务，请按八。", zh);
	like(script, want, "yue's menu.lang in the Mandarin voice (%s)", zh);
	free(want);
	free(script);
	free(log);
out:
	free(d);
	free(out);
	free(fake);
}

int
main(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/kefu-prompts-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot create a temporary folder");
	unsetenv("KEFU_PROMPTS_GEN");
	log_open("audio_prompts", "-", KLOG_ERROR, NULL);
	test_load();
	test_errors();
	test_garbage();
	test_cache();
	test_espeak_fake();
	test_espeak_real();
	test_spoken();
	test_menu_lang_voice();
	rm_rf(tmp);
	return tap_done();
}
