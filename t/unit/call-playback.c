/*
 * call-playback.c: a caller's recording played back (<prompt var> of a
 * recording variable, FLOW_PROMPT_RECORDING): the line gets the very
 * samples of the file in its own format, and only files of the spool
 * play -- anything else (another folder, a path climbing out of the
 * spool, a file that is not audio) is a beep.
 */
#include "config.h"

#include <sys/stat.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "conf/conf.h"
#include "t/tap.h"

/* 1.5 s of 440 Hz at 8 kHz into path. */
static int
tone_wav(const char *path, struct audio_pcm *pcm)
{
	size_t i;

	pcm->n = 12000;
	pcm->rate = 8000;
	pcm->s = xcalloc(pcm->n, sizeof *pcm->s);
	for (i = 0; i < pcm->n; i++)
		pcm->s[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * (double)i /
		    8000));
	return wav_write_pcm(path, pcm, NULL, NULL);
}

/* What the line gets for a recording at path. */
static int
render(struct svc_set *set, const char *path, uint8_t **out, size_t *len)
{
	struct flow_prompt p = { (char *)FLOW_PROMPT_RECORDING, (char *)path };
	const struct audio_fmt ulaw = { AUDIO_ULAW, 8000 };

	return svc_render(set, "zh-CN", &p, 1, &ulaw, out, len, NULL);
}

int
main(void)
{
	const char *src = getenv("KEFU_SRCDIR");
	const struct audio_fmt ulaw = { AUDIO_ULAW, 8000 };
	char tmp[] = "/tmp/kefu-playback-XXXXXX", *spool, *in, *out, *up;
	char *path, *text, *schema, *bad, *cause = NULL;
	const struct audio_clip *beep;
	struct audio_pcm pcm;
	struct conf *conf = NULL;
	struct svc *svc = NULL;
	struct svc_set *set;
	uint8_t *got = NULL, *want;
	size_t glen = 0;
	int rc;

	if (src == NULL)
		src = ".";
	if (mkdtemp(tmp) == NULL)
		tap_skip_all("cannot make a temporary folder");
	log_open("call_playback", "-", KLOG_ERROR, NULL);
	spool = xasprintf("%s/spool", tmp);
	mkdir(spool, 0750);
	in = xasprintf("%s/msg-abcdef.wav", spool);
	out = xasprintf("%s/other.wav", tmp);
	up = xasprintf("%s/../other.wav", spool);
	bad = xasprintf("%s/bad-abcdef.wav", spool);
	path = xasprintf("%s/kefu.conf", tmp);
	text = xasprintf("[kefu]\nmappings = %s/mappings/catalog\n"
	    "adapters = %s/adapters\nflows = %s/flows\nprompts = %s/prompts\n"
	    "sql = %s/sql\nspool = %s\n"
	    "[datasource catalog]\nconnect = Driver=SQLite3;Database=%s/c.db\n"
	    "adapter = sqlite\n", src, src, src, src, src, spool, tmp);
	schema = xasprintf("%s/mappings/mapping.rng", src);
	setenv("KEFU_MAPPING_SCHEMA", schema, 1);
	if (conf_parse(path, text, &conf, &cause) == -1 ||
	    svc_open(conf, SVC_NOFLOWS, &svc, &cause) == -1) {
		tap_diag("%s", cause);
		tap_skip_all("cannot load the shipped prompts");
	}
	set = svc_acquire(svc);
	beep = audio_get(set->audio, "zh-CN", "sys.beep", &ulaw);
	ok(tone_wav(in, &pcm) == 0 && wav_write_pcm(out, &pcm, NULL,
	    NULL) == 0 &&
	    file_write_atomic(bad, "not audio", 9, NULL) == 0,
	    "a recording in the spool, one outside, one not audio");
	want = xmalloc(pcm.n);
	pcm_encode(AUDIO_ULAW, pcm.s, pcm.n, want);
	rc = render(set, in, &got, &glen);
	ok(rc == 0 && glen == pcm.n && memcmp(got, want, glen) == 0,
	    "the spool's recording plays, sample for sample (%zu bytes)", glen);
	free(got);
	ok(render(set, out, &got, &glen) == 0 && glen == beep->len &&
	    memcmp(got, beep->data, glen) == 0,
	    "a file outside the spool is a beep");
	free(got);
	ok(render(set, up, &got, &glen) == 0 && glen == beep->len,
	    "a path climbing out of the spool is a beep");
	free(got);
	ok(render(set, bad, &got, &glen) == 0 && glen == beep->len,
	    "a file that is not audio is a beep");
	free(got);
	free(want);
	pcm_free(&pcm);
	svc_release(set);
	svc_close(svc);
	conf_free(conf);
	free(path);
	free(text);
	free(schema);
	free(spool);
	free(in);
	free(out);
	free(up);
	free(bad);
	text = xasprintf("rm -rf '%s'", tmp);
	if (system(text) != 0)
		tap_diag("cannot remove %s", tmp);
	free(text);
	return tap_done();
}
