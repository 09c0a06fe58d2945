/*
 * call-spoken.c: a catalog prompt spoken in another language (lang=,
 * kefu-prompts(7)) that has no audio yet is spoken from its text by the
 * call channel in the voice of its own language, not the call's: the
 * audio a Mandarin call gets for it is byte for byte what espeak-ng
 * says in Cantonese.  A notice naming a recording that is not there is
 * spoken from its text, by svc_render as on a line (audio_sound).
 */
#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "conf/conf.h"
#include "t/tap.h"

static const char offer[] = "廣東話服務，請按八。";
static const char note[] = "本店营业时间为早上八点到晚上十点。";

static void
put(const char *path, const char *text)
{
	if (file_write_atomic(path, text, strlen(text), NULL) == -1)
		tap_diag("cannot write %s", path);
}

/* prompts/LANG/: the shipped say-rules and a small catalog. */
static void
setup_lang(const char *src, const char *tmp, const char *lang,
    const char *catalog)
{
	static const char *const files[] = { "say.xml", "say.rules" };
	char *from, *to, *data;
	size_t i, len;

	to = xasprintf("%s/prompts", tmp);
	mkdir(to, 0755);
	free(to);
	to = xasprintf("%s/prompts/%s", tmp, lang);
	if (mkdir(to, 0755) == -1)
		tap_diag("cannot make %s", to);
	free(to);
	for (i = 0; i < nitems(files); i++) {
		from = xasprintf("%s/prompts/%s/%s", src, lang, files[i]);
		to = xasprintf("%s/prompts/%s/%s", tmp, lang, files[i]);
		if (file_read(from, &data, &len, NULL) == 0) {
			put(to, data);
			free(data);
		}
		free(from);
		free(to);
	}
	to = xasprintf("%s/prompts/%s/prompts.xml", tmp, lang);
	put(to, catalog);
	free(to);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	const struct audio_fmt ulaw = { AUDIO_ULAW, 8000 };
	struct flow_prompt p = { (char *)"t.offer", (char *)offer };
	char tmp[] = "/tmp/kefu-spoken-XXXXXX", *path, *text, *schema;
	char *cause = NULL;
	uint8_t *got = NULL, *yue = NULL, *zh = NULL;
	size_t glen = 0, ylen = 0, zlen = 0;
	struct conf *conf = NULL;
	struct svc *svc = NULL;
	struct svc_set *set;

	if (src == NULL)
		src = ".";
	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng not installed");
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot make a temporary folder");
	log_open("call_spoken", "-", KLOG_ERROR, NULL);
	setup_lang(src, tmp, "zh-CN", "<prompts lang=\"zh-CN\">\n"
	    "<prompt id=\"t.offer\" lang=\"yue\">廣東話服務，請按八。</prompt>\n"
	    "</prompts>\n");
	setup_lang(src, tmp, "yue", "<prompts lang=\"yue\">\n"
	    "<prompt id=\"t.offer\" lang=\"zh-CN\">普通话服务，请按八。</prompt>\n"
	    "</prompts>\n");
	path = xasprintf("%s/kefu.conf", tmp);
	text = xasprintf("[kefu]\nmappings = %s/mappings/catalog\n"
	    "adapters = %s/adapters\nflows = %s/flows\nprompts = %s/prompts\n"
	    "sql = %s/sql\nlanguages = zh-CN,yue\n"
	    "[datasource catalog]\nconnect = Driver=SQLite3;Database=%s/c.db\n"
	    "adapter = sqlite\n", src, src, src, tmp, src, tmp);
	setenv("KEFU_PROMPTS_GEN", tmp, 1);     /* nothing generated there */
	schema = xasprintf("%s/mappings/mapping.rng", src);
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	if (conf_parse(path, text, &conf, &cause) == -1 ||
	    svc_open(conf, SVC_NOFLOWS, &svc, &cause) == -1) {
		tap_diag("%s", cause);
		tap_skip_all("cannot load the test prompts");
	}
	set = svc_acquire(svc);
	ok(prompts_resolve(audio_cache_prompts(set->audio), "zh-CN",
	    "t.offer") == NULL, "t.offer has no audio");
	ok(svc_render(set, "zh-CN", &p, 1, &ulaw, &got, &glen, &cause) == 0,
	    "a Mandarin call renders t.offer");
	ok(audio_speak(set->speak, "yue", offer, &ulaw, &yue, &ylen,
	    &cause) == 0 && audio_speak(set->speak, "zh-CN", offer, &ulaw,
	    &zh, &zlen, &cause) == 0, "espeak-ng says the text both ways");
	ok(glen > 4000 && glen == ylen && memcmp(got, yue, glen) == 0,
	    "what the caller hears is the Cantonese voice (%zu bytes)", glen);
	ok(zlen != glen || memcmp(got, zh, glen) != 0,
	    "and not the Mandarin one (%zu bytes)", zlen);
	free(got);
	free(yue);
	free(zh);
	/* svc_render decides as the line does (audio_sound) */
	p.id = (char *)"notices/gone.wav";
	p.text = (char *)note;
	got = zh = NULL;
	ok(svc_render(set, "zh-CN", &p, 1, &ulaw, &got, &glen, &cause) == 0 &&
	    audio_speak(set->speak, "zh-CN", note, &ulaw, &zh, &zlen,
	    &cause) == 0, "a notice whose recording is not there renders");
	ok(glen > 4000 && glen == zlen && memcmp(got, zh, glen) == 0,
	    "it is spoken from its text in Mandarin, not beeped (%zu bytes)",
	    glen);
	free(got);
	free(zh);
	svc_release(set);
	svc_close(svc);
	conf_free(conf);
	free(path);
	free(text);
	free(schema);
	text = xasprintf("rm -rf '%s'", tmp);
	if (system(text) != 0)
		tap_diag("cannot remove %s", tmp);
	free(text);
	return tap_done();
}
