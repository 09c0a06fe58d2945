/* Unit tests for src/audio/speak.c: free text spoken by espeak-ng. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"
#include "../tap.h"

/* Read all of s in pieces of max bytes into *out; the reads made. */
static int
read_all(struct audio_speech *s, size_t max, struct strbuf *out)
{
	uint8_t buf[4096];
	ssize_t got;
	int reads = 0;

	while ((got = audio_speech_read(s, buf, max, 1000)) != 0) {
		reads++;
		if (got > 0)
			sb_add(out, buf, (size_t)got);
	}
	return reads;
}

/*
 * Speech as a stream: read in line-sized pieces it is the same audio
 * that audio_speak then finds in the cache; a stream left half-read
 * (the caller pressed a key) still leaves the text in the cache, so that
 * it sounds the same next time; streams left open when the speaker goes
 * are not a leak or a crash (the sanitizer build).
 */
static void
test_stream(void)
{
	static const char *name = "伊利纯牛奶二百五十毫升";
	struct audio_fmt ulaw = { AUDIO_ULAW, 8000 },
	    alaw = { AUDIO_ALAW, 8000 };
	struct audio_speaker *sp = audio_speaker_new(8, NULL);
	struct audio_speech *s = NULL, *s2 = NULL;
	struct strbuf heard = STRBUF_INIT, again = STRBUF_INIT;
	uint8_t *a = NULL, buf[800], cut[160];
	size_t alen = 0, ulen;
	char *cause = NULL;
	int reads, rc;

	ok(audio_speech_open(sp, "zh-CN", name, &ulaw, &s, &cause) == 0,
	    "stream: a product name is queued");
	reads = read_all(s, 800, &heard);
	ok(heard.len > 8000 && reads >= (int)(heard.len / 800),
	    "stream: read in 100 ms pieces (%zu bytes, %d reads)", heard.len,
	    reads);
	ok(audio_speech_error(s) == NULL, "stream: no error");
	ulen = heard.len;
	audio_speech_close(s);
	ok(audio_speak(sp, "zh-CN", name, &ulaw, &a, &alen, &cause) == 0 &&
	    alen == heard.len && memcmp(a, heard.s, alen) == 0,
	    "stream: what was heard is what the cache gives next time");
	free(a);
	a = NULL;

	/*
	 * Half-read: the caller cut it short with a key.  What was spoken
	 * is kept by the speaker's thread, not by the reader.
	 */
	ok(audio_speech_open(sp, "zh-CN", "光明莫斯利安酸奶", &alaw, &s,
	    &cause) == 0 && audio_speech_read(s, buf, 160, 1000) == 160,
	    "stream: the first 20 ms of another name");
	memcpy(cut, buf, 160);
	tap_wait(audio_speaker_has(sp, "zh-CN", "光明莫斯利安酸奶"), 3000);
	audio_speech_close(s);
	ok(audio_speaker_has(sp, "zh-CN", "光明莫斯利安酸奶"),
	    "stream: a name cut short is kept");
	sb_reset(&heard);
	ok(audio_speech_open(sp, "zh-CN", "光明莫斯利安酸奶", &alaw, &s,
	    &cause) == 0, "stream: the same name again");
	read_all(s, 4096, &heard);
	audio_speech_close(s);
	ok(heard.len > 160 && memcmp(heard.s, cut, 160) == 0,
	    "stream: it sounds the same the next time (%zu bytes)", heard.len);
	ok(audio_speak(sp, "zh-CN", "光明莫斯利安酸奶", &alaw, &a, &alen,
	    &cause) == 0 && alen == heard.len &&
	    memcmp(a, heard.s, alen) == 0,
	    "stream: and audio_speak gives what the stream gave");
	free(a);
	a = NULL;

	/* one name in two formats: one synthesis, the same samples */
	rc = audio_speak(sp, "zh-CN", name, &alaw, &a, &alen, &cause);
	ok(rc == 0 && alen == ulen, "stream: A-law from the same samples as "
	    "mu-law (%zu, %zu bytes)", alen, ulen);
	sb_reset(&again);
	ok(audio_speech_open(sp, "zh-CN", name, &alaw, &s, &cause) == 0,
	    "stream: that format again");
	read_all(s, 333, &again);
	audio_speech_close(s);
	ok(again.len == alen && memcmp(again.s, a, alen) == 0,
	    "stream: from the cache, in odd pieces, the same bytes");
	free(a);

	/* left open, and queued behind one another, when the speaker goes */
	ok(audio_speech_open(sp, "zh-CN", "统一冰红茶五百毫升", &ulaw, &s,
	    &cause) == 0 && audio_speech_open(sp, "yue", "維他奶", &ulaw, &s2,
	    &cause) == 0, "stream: two more queued");
	audio_speech_close(s2);
	audio_speech_close(s);
	audio_speaker_free(sp);
	sb_free(&heard);
	sb_free(&again);
}

int
main(void)
{
	struct audio_fmt ulaw = { AUDIO_ULAW, 8000 },
	    s16 = { AUDIO_S16LE, 8000 };
	struct audio_speaker *sp;
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t alen = 0, blen = 0, clen = 0;
	char *cause = NULL;
	int rc;

	if (system("espeak-ng --version >/dev/null 2>&1") != 0)
		tap_skip_all("espeak-ng is not installed");
	sp = audio_speaker_new(2, NULL);
	ok(audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &ulaw, &a, &alen,
	    &cause) == 0, "a product name is spoken in Mandarin");
	ok(alen > 8000 / 2, "about a second of audio or more (%zu bytes)",
	    alen);
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
	rc = audio_speak(sp, "zh-CN", "农夫山泉饮用天然水", &ulaw, &c, &clen,
	    &cause);
	ok(rc == 0 && clen > alen * 98 / 100 && clen < alen * 102 / 100,
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
	test_stream();
	return tap_done();
}
