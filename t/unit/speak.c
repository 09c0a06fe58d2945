/* Unit tests for src/audio/speak.c: free text spoken by espeak-ng. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "../tap.h"

int
main(void)
{
	struct audio_fmt ulaw = { AUDIO_ULAW, 8000 }, s16 = { AUDIO_S16LE, 8000 };
	struct audio_speaker *sp;
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t alen = 0, blen = 0, clen = 0;
	char *cause = NULL;

	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng is not installed");
	sp = audio_speaker_new(2, NULL);
	ok(audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &ulaw, &a, &alen,
	    &cause) == 0, "a product name is spoken in Mandarin");
	ok(alen > 8000 / 2, "about a second of audio or more (%zu bytes)", alen);
	ok(audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &ulaw, &b, &blen,
	    &cause) == 0 && blen == alen && memcmp(a, b, alen) == 0,
	    "the same text gives the same audio (from the cache)");
	ok(audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &s16, &c, &clen,
	    &cause) == 0 && clen == 2 * alen,
	    "16-bit: the same samples, two bytes each");
	free(b);
	free(c);
	b = c = NULL;
	ok(audio_speak(sp, "yue", "維他檸檬茶", &ulaw, &b, &blen, &cause) == 0 &&
	    blen > 0, "Cantonese text is spoken too");
	ok(audio_speak(sp, "zh-CN", "-v xx 康师傅", &ulaw, &c, &clen,
	    &cause) == 0 && clen > 0,
	    "text starting with '-' is spoken, not taken as an option");
	free(c);
	c = NULL;
	/*
	 * The cache holds 2: the first entry is evicted and spoken again
	 * (libespeak-ng's timing varies by a few ms from run to run).
	 */
	ok(audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &ulaw, &c, &clen,
	    &cause) == 0 && clen > alen * 98 / 100 && clen < alen * 102 / 100,
	    "an evicted entry is spoken again, as long within 2%% (%zu, %zu)",
	    clen, alen);
	free(c);
	c = NULL;
	ok(audio_speak(sp, "fr", "bonjour", &ulaw, &c, &clen, &cause) == -1,
	    "a language without a voice is refused");
	like(cause, "no espeak-ng voice", "says why");
	free(cause);
	cause = NULL;
	audio_speaker_free(sp);
	sp = audio_speaker_new(4, "/nonexistent/espeak-ng");
	ok(audio_speak(sp, "zh-CN", "你好", &ulaw, &c, &clen, &cause) == -1,
	    "a missing espeak-ng is an error, not a crash");
	like(cause, "/nonexistent/espeak-ng", "names the program");
	free(cause);
	audio_speaker_free(sp);
	free(a);
	free(b);
	free(c);
	return tap_done();
}
