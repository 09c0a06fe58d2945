/*
 * audio.c: unit tests of the audio primitives: G.711 codecs (known values
 * of the G.711 tables, round trips, a cross-check against sox), line
 * format conversion, resampling, tones, the silence detector, WAV writing
 * and recordings with INFO strings.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio/audio.h"
#include "util/util.h"
#include "../tap.h"

static char tmpdir[64];

static void
test_g711_known(void)
{
	/* ITU-T G.711 table 2a (mu-law) and 1a (A-law), decoder outputs. */
	is_int(g711_ulaw_decode(0xff), 0, "ulaw 0xff is +0");
	is_int(g711_ulaw_decode(0x7f), 0, "ulaw 0x7f is -0");
	is_int(g711_ulaw_decode(0xfe), 8, "ulaw 0xfe is 8");
	is_int(g711_ulaw_decode(0xf0), 120, "ulaw 0xf0 is 120");
	is_int(g711_ulaw_decode(0xef), 132, "ulaw 0xef is 132");
	is_int(g711_ulaw_decode(0x80), 32124, "ulaw 0x80 is 32124");
	is_int(g711_ulaw_decode(0x00), -32124, "ulaw 0x00 is -32124");
	is_int(g711_ulaw_decode(0x9f), 8316, "ulaw 0x9f is 8316");
	is_int(g711_ulaw_encode(0), 0xff, "ulaw encodes 0 as 0xff");
	is_int(g711_ulaw_encode(-1), 0x7f, "ulaw encodes -1 as 0x7f");
	is_int(g711_ulaw_encode(32767), 0x80, "ulaw clips +32767 to 0x80");
	is_int(g711_ulaw_encode(-32768), 0x00, "ulaw clips -32768 to 0x00");
	is_int(g711_alaw_decode(0xd5), 8, "alaw 0xd5 is 8");
	is_int(g711_alaw_decode(0x55), -8, "alaw 0x55 is -8");
	is_int(g711_alaw_decode(0xd4), 24, "alaw 0xd4 is 24");
	is_int(g711_alaw_decode(0xaa), 32256, "alaw 0xaa is 32256");
	is_int(g711_alaw_decode(0x2a), -32256, "alaw 0x2a is -32256");
	is_int(g711_alaw_encode(0), 0xd5, "alaw encodes 0 as 0xd5");
	is_int(g711_alaw_encode(-1), 0x55, "alaw encodes -1 as 0x55");
	is_int(g711_alaw_encode(32767), 0xaa, "alaw clips +32767");
	is_int(g711_alaw_encode(-32768), 0x2a, "alaw clips -32768");
}

static void
test_g711_roundtrip(void)
{
	int b, s, bad_u = 0, bad_a = 0, worst_u = 0, worst_a = 0, err;
	int16_t d;

	for (b = 0; b < 256; b++) {
		if (b != 0x7f && g711_ulaw_encode(g711_ulaw_decode(
		    (uint8_t)b)) != b)
			bad_u++;
		if (g711_alaw_encode(g711_alaw_decode((uint8_t)b)) != b)
			bad_a++;
	}
	is_int(bad_u, 0, "ulaw byte -> linear -> byte is the identity");
	is_int(bad_a, 0, "alaw byte -> linear -> byte is the identity");
	/* Quantization error stays within half a step of the segment. */
	for (s = -32768; s <= 32767; s++) {
		d = g711_ulaw_decode(g711_ulaw_encode((int16_t)s));
		err = abs(s - d) - (abs(s) / 16 + 16);
		if (err > worst_u)
			worst_u = err;
		d = g711_alaw_decode(g711_alaw_encode((int16_t)s));
		err = abs(s - d) - (abs(s) / 16 + 16);
		if (err > worst_a)
			worst_a = err;
	}
	ok(worst_u <= 0 && worst_a <= 0, "G.711 error within |s|/16 + 16 "
	    "over all 65536 samples (excess u %d a %d)", worst_u, worst_a);
}

static void
test_formats(void)
{
	struct audio_fmt fmt;
	int16_t in[4] = { 0, 256, -32768, 32767 }, out[4];
	uint8_t b[8];
	char *cause = NULL;

	ok(pcm_fmt_parse("ulaw", &fmt, NULL) == 0 && fmt.enc == AUDIO_ULAW &&
	    fmt.rate == 8000, "ulaw parses, 8000 Hz by default");
	ok(pcm_fmt_parse("u8/7200", &fmt, NULL) == 0 && fmt.enc == AUDIO_U8 &&
	    fmt.rate == 7200, "u8/7200 parses");
	is_int(pcm_fmt_parse("gsm", &fmt, &cause), -1, "gsm is refused");
	like(cause, "unknown audio format", "... with a reason");
	free(cause);
	cause = NULL;
	is_int(pcm_fmt_parse("alaw/12", &fmt, &cause), -1, "rate 12 refused");
	free(cause);
	pcm_encode(AUDIO_U8, in, 4, b);
	ok(b[0] == 0x80 && b[1] == 0x81 && b[2] == 0x00 && b[3] == 0xff,
	    "u8 encoding: 0x80 is zero");
	pcm_encode(AUDIO_S16LE, in, 4, b);
	ok(b[2] == 0x00 && b[3] == 0x01 && b[4] == 0x00 && b[5] == 0x80,
	    "s16le is little-endian");
	pcm_decode(AUDIO_S16LE, b, 4, out);
	ok(memcmp(in, out, sizeof in) == 0, "s16le round trip");
	is_int(pcm_silence_byte(AUDIO_ULAW), 0xff, "ulaw silence byte");
	is_int(g711_ulaw_decode(pcm_silence_byte(AUDIO_ULAW)), 0,
	    "ulaw silence decodes to 0");
	is_int(g711_alaw_decode(pcm_silence_byte(AUDIO_ALAW)), 8,
	    "alaw silence decodes to the smallest step");
}

static double
rms(const int16_t *s, size_t n)
{
	double acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc += (double)s[i] * s[i];
	return n ? sqrt(acc / n) : 0;
}

static void
test_resample(void)
{
	struct audio_pcm in, out;
	char *cause = NULL;
	double r_in, r_out;

	tone_make(&in, 22050, 440, 1000, 10000);
	is_int(in.n, 22050, "1 s tone at 22050 Hz has 22050 samples");
	ok(pcm_resample(&in, 8000, &out, &cause) == 0, "resample 22050 -> "
	    "8000");
	ok(out.n >= 7990 && out.n <= 8010, "about 8000 samples (%zu)", out.n);
	is_int(out.rate, 8000, "rate is set");
	r_in = rms(in.s + 2205, in.n - 4410);
	r_out = rms(out.s + 800, out.n - 1600);
	ok(fabs(r_in - r_out) / r_in < 0.05, "energy kept (rms %.0f -> %.0f)",
	    r_in, r_out);
	pcm_free(&out);
	ok(pcm_resample(&in, 22050, &out, NULL) == 0 && out.n == in.n &&
	    memcmp(out.s, in.s, in.n * 2) == 0, "same rate copies");
	pcm_free(&out);
	pcm_free(&in);
	tone_make(&in, 8000, 3000, 500, 10000);
	is_int(pcm_resample(&in, 7200, &out, NULL), 0, "8000 -> 7200");
	ok(out.n >= 3590 && out.n <= 3610, "... %zu samples", out.n);
	pcm_free(&out);
	pcm_free(&in);
}

/* Speech resampled as it comes sounds exactly as resampled at once. */
static void
test_resample_stream(void)
{
	struct audio_pcm in, whole, parts = { NULL, 0, 0 };
	struct pcm_resampler *rs;
	size_t off = 0, n, k = 0;
	char *cause = NULL;
	int rc = 0;

	tone_make(&in, 22050, 700, 1500, 12000);
	is_int(pcm_resample_q(&in, 8000, 1, &whole, &cause), 0,
	    "fast resampling at once");
	rs = pcm_resampler_new(22050, 8000, 1, &cause);
	ok(rs != NULL, "a stream resampler");
	while (rs != NULL && rc == 0 && off < in.n) {
		n = 1 + (k++ * 977) % 2500;     /* pieces as espeak gives */
		if (n > in.n - off)
			n = in.n - off;
		rc = pcm_resampler_run(rs, in.s + off, n, 0, &parts, &cause);
		off += n;
	}
	if (rs != NULL && rc == 0)
		rc = pcm_resampler_run(rs, NULL, 0, 1, &parts, &cause);
	is_int(rc, 0, "%zu pieces, then the end", k);
	ok(parts.n == whole.n && parts.rate == 8000 &&
	    memcmp(parts.s, whole.s, whole.n * sizeof *whole.s) == 0,
	    "the same samples as at once (%zu, %zu)", parts.n, whole.n);
	pcm_resampler_free(rs);
	ok(pcm_resampler_new(0, 8000, 1, &cause) == NULL, "0 Hz is refused");
	like(cause, "cannot resample from 0 Hz", "says why");
	free(cause);
	pcm_free(&parts);
	pcm_free(&whole);
	pcm_free(&in);
}

static void
test_tone(void)
{
	struct audio_pcm t;
	unsigned hz, ms;
	char *cause = NULL;
	size_t i, crossings = 0;
	int peak = 0;

	tone_make(&t, 8000, 1000, 300, 8000);
	is_int(t.n, 2400, "300 ms at 8000 Hz");
	is_int(t.s[0], 0, "starts at zero (ramp)");
	for (i = 1; i < t.n; i++) {
		if ((t.s[i - 1] < 0) != (t.s[i] < 0))
			crossings++;
		if (abs(t.s[i]) > peak)
			peak = abs(t.s[i]);
	}
	ok(crossings >= 590 && crossings <= 610, "1000 Hz: ~600 zero "
	    "crossings in 300 ms (%zu)", crossings);
	ok(peak > 7500 && peak <= 8000, "peak near the amplitude (%d)", peak);
	pcm_free(&t);
	ok(tone_parse("440:250", &hz, &ms, NULL) == 0 && hz == 440 &&
	    ms == 250, "tone 440:250 parses");
	is_int(tone_parse("440", &hz, &ms, &cause), -1, "tone without ms");
	free(cause);
	cause = NULL;
	is_int(tone_parse("9000:100", &hz, &ms, &cause), -1, "9 kHz refused");
	like(cause, "frequency", "... names the frequency");
	free(cause);
}

static void
test_silence(void)
{
	struct audio_fmt u8 = { AUDIO_U8, 8000 }, ulaw = { AUDIO_ULAW, 8000 };
	struct audio_fmt s16 = { AUDIO_S16LE, 8000 };
	struct silence sd;
	struct audio_pcm t;
	uint8_t buf[16000];
	size_t i;
	int hit;

	/* 8-bit unsigned: bytes 126..129 are quiet. */
	silence_init(&sd, &u8, 1000, 0);
	for (i = 0; i < 7920; i++)
		buf[i] = (uint8_t)(126 + i % 4);
	is_int(silence_feed(&sd, buf, 7920), 0, "990 ms of quiet: not yet");
	is_int(silence_feed(&sd, buf, 80), 1, "1000 ms of quiet: silence");
	is_int(sd.voice_seen, 0, "no voice seen (DLE s case)");
	/* Speech breaks the run. */
	silence_init(&sd, &u8, 500, 0);
	tone_make(&t, 8000, 400, 300, 6000);
	pcm_encode(AUDIO_U8, t.s, t.n, buf);
	is_int(silence_feed(&sd, buf, t.n), 0, "a tone is not silence");
	memset(buf, 0x80, 3960);
	is_int(silence_feed(&sd, buf, 3960), 0, "495 ms after the tone");
	is_int(silence_feed(&sd, buf, 40), 1, "500 ms after the tone");
	is_int(sd.voice_seen, 1, "voice seen before (DLE q case)");
	/* A lone click per frame does not reset the run. */
	silence_init(&sd, &u8, 200, 0);
	memset(buf, 0x80, 1600);
	for (i = 0; i < 1600; i += 80)
		buf[i] = 0xf0;
	is_int(silence_feed(&sd, buf, 1600), 1, "clicks are tolerated");
	/* Byte 130 is outside the classic band. */
	silence_init(&sd, &u8, 100, 0);
	memset(buf, 130, 1600);
	is_int(silence_feed(&sd, buf, 1600), 0, "a DC offset of 2 is noise");
	/* mu-law: low noise is silence, speech level is not. */
	silence_init(&sd, &ulaw, 300, 0);
	for (i = 0; i < 2400; i++)
		buf[i] = g711_ulaw_encode((int16_t)(i % 2 ? 200 : -200));
	is_int(silence_feed(&sd, buf, 2400), 1, "ulaw noise at 200 is quiet");
	silence_reset(&sd);
	pcm_encode(AUDIO_ULAW, t.s, t.n, buf);
	is_int(silence_feed(&sd, buf, t.n), 0, "ulaw tone is not");
	/* S16LE, fed one byte at a time (odd splits). */
	silence_init(&sd, &s16, 100, 0);
	memset(buf, 0, 1600);
	hit = 0;
	for (i = 0; i < 1600 && !hit; i++)
		hit = silence_feed(&sd, buf + i, 1);
	is_int(i, 1600, "s16le: silence after exactly 800 samples");
	pcm_free(&t);
}

/* Read an INFO string back with libsndfile. */
static char *
wav_string(const char *path, int which, SF_INFO *info)
{
	const char *s;
	SNDFILE *sf;
	char *r;

	memset(info, 0, sizeof *info);
	if ((sf = sf_open(path, SFM_READ, info)) == NULL)
		return NULL;
	s = sf_get_string(sf, which);
	r = s ? xstrdup(s) : NULL;
	sf_close(sf);
	return r;
}

static void
test_wav(void)
{
	struct audio_fmt fmt = { AUDIO_ALAW, 8000 };
	struct wav_info wi = { "t", "caller", NULL, "hello", NULL, 0 };
	struct audio_pcm t, back;
	SF_INFO info;
	uint8_t *buf;
	char *path, *s, *cause = NULL;
	size_t i, maxerr = 0;

	tone_make(&t, 8000, 500, 200, 10000);
	buf = xmalloc(t.n);
	pcm_encode(AUDIO_ALAW, t.s, t.n, buf);
	path = xasprintf("%s/alaw.wav", tmpdir);
	ok(wav_write(path, &fmt, buf, t.n, &wi, &cause) == 0, "write A-law "
	    "WAV");
	s = wav_string(path, SF_STR_COMMENT, &info);
	is_str(s, "hello", "comment string stored");
	free(s);
	ok((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_ALAW &&
	    (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV,
	    "file is WAV A-law");
	ok(wav_read(path, &back, &cause) == 0 && back.n == t.n &&
	    back.rate == 8000, "read it back");
	for (i = 0; i < back.n && i < t.n; i++)
		if ((size_t)abs(back.s[i] - t.s[i]) > maxerr)
			maxerr = (size_t)abs(back.s[i] - t.s[i]);
	ok(maxerr < 400, "A-law round trip close (max error %zu)", maxerr);
	pcm_free(&back);
	unlink(path);
	free(path);
	is_int(wav_read("/nonexistent/x.wav", &back, &cause), -1,
	    "missing file");
	like(cause, "/nonexistent/x.wav", "... named");
	free(cause);
	free(buf);
	pcm_free(&t);
}

static void
test_recording(void)
{
	struct audio_fmt fmt = { AUDIO_U8, 8000 };
	struct recording_meta meta = { "13800138000", "line1", 1700000000 };
	struct recording *rec;
	struct audio_pcm t, back;
	SF_INFO info;
	uint8_t *buf;
	unsigned ms = 0;
	char *dir, *path, *part, *s, *cause = NULL;
	size_t off;

	tone_make(&t, 8000, 700, 1500, 9000);
	buf = xmalloc(t.n);
	pcm_encode(AUDIO_U8, t.s, t.n, buf);
	dir = xasprintf("%s/spool", tmpdir);
	ok(recording_open(&rec, dir, "rec", &fmt, 0, &meta, &cause) == 0,
	    "open a recording (the missing folder is made)");
	path = recording_path(rec);
	ok(strlen(path) == strlen(dir) + strlen("/rec-XXXXXX.wav") &&
	    strncmp(path + strlen(dir), "/rec-", 5) == 0 &&
	    strspn(path + strlen(dir) + 5, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 6 &&
	    strcmp(path + strlen(path) - 4, ".wav") == 0,
	    "named STEM-XXXXXX.wav in the folder (%s)", path);
	part = xasprintf("%s.part", path);
	for (off = 0; off < t.n; off += 333)
		recording_write(rec, buf + off, t.n - off < 333 ? t.n - off :
		    333, &cause);
	ok(access(part, F_OK) == 0 && access(path, F_OK) == -1,
	    "while recording only the .part file exists");
	free(path);
	ok(recording_close(rec, &ms, &path, &cause) == 0, "close it");
	is_int(ms, 1500, "duration 1500 ms");
	ok(path != NULL && access(path, F_OK) == 0 && access(part, F_OK) == -1,
	    "then the final name");
	s = wav_string(path, SF_STR_ARTIST, &info);
	is_str(s, "13800138000", "caller in IART");
	free(s);
	is_int(info.frames, 12000, "12000 frames");
	ok((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_U8,
	    "kept in the line format (8-bit)");
	s = wav_string(path, SF_STR_COMMENT, &info);
	like(s, "caller=13800138000", "comment has the caller");
	like(s, "line=line1", "comment has the line");
	like(s, "duration_ms=1500", "comment has the duration");
	free(s);
	s = wav_string(path, SF_STR_DATE, &info);
	like(s, "2023-11-", "date of the start in ICRD");
	free(s);
	unlink(path);
	free(path);
	free(part);

	/* mu-law in, 16-bit PCM out, odd-sized writes. */
	fmt.enc = AUDIO_ULAW;
	pcm_encode(AUDIO_ULAW, t.s, t.n, buf);
	ok(recording_open(&rec, dir, "rec", &fmt, 1, NULL, &cause) == 0,
	    "open a 16-bit recording without caller");
	for (off = 0; off < t.n; off += 1001)
		recording_write(rec, buf + off, t.n - off < 1001 ? t.n - off :
		    1001, &cause);
	ok(recording_close(rec, NULL, &path, &cause) == 0, "close it");
	ok(wav_read(path, &back, &cause) == 0 && back.n == t.n,
	    "16-bit file has every sample");
	s = wav_string(path, SF_STR_COMMENT, &info);
	ok((info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16,
	    "stored as 16-bit PCM");
	like(s, "caller=unknown", "withheld caller noted");
	free(s);
	ok(back.n > 100 && abs(back.s[100] - g711_ulaw_decode(buf[100])) == 0,
	    "samples are the decoded mu-law");
	pcm_free(&back);
	unlink(path);
	free(path);
	is_int(recording_open(&rec, "/nonexistent/dir/r", "r", &fmt, 0, NULL,
	    &cause), -1, "unwritable folder fails");
	free(cause);
	rmdir(dir);
	free(dir);
	free(buf);
	pcm_free(&t);
}

/* Count the files in dir whose names start with prefix. */
static int
count_files(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/*
 * The spool rules: recordings of the same second all kept, a planted
 * link never followed nor a file replaced, a folder others may write
 * in (or a link to a folder) refused.
 */
static void
test_recording_spool(void)
{
	struct audio_fmt fmt = { AUDIO_S16LE, 8000 };
	struct recording *rec[6];
	uint8_t pcm[1600] = { 0 };
	char *dir, *victim, *link, *path[6], *cause = NULL;
	struct stat st;
	size_t i, j, distinct = 1;
	int fd;

	dir = xasprintf("%s/spool2", tmpdir);
	victim = xasprintf("%s/victim", tmpdir);
	mkdir(dir, 0750);
	fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok(fd != -1 && write(fd, "precious\n", 9) == 9, "a file to protect");
	close(fd);
	/* links under every name a same-second recording could take */
	for (i = 0; i < 6; i++) {
		link = xasprintf("%s/20261206-091800-line1-777%s.wav.part",
		    dir, i == 0 ? "" : "-x");
		(void)symlink(victim, link);
		free(link);
	}
	for (i = 0; i < 6; i++)
		ok(recording_open(&rec[i], dir, "20261206-091800-line1-777",
		    &fmt, 1, NULL, &cause) == 0, "recording %zu of the same "
		    "second, same line and caller", i + 1);
	for (i = 0; i < 6; i++) {
		recording_write(rec[i], pcm, sizeof pcm, &cause);
		recording_close(rec[i], NULL, &path[i], &cause);
	}
	for (i = 0; i < 6; i++)
		for (j = 0; j < i; j++)
			if (path[i] != NULL && path[j] != NULL &&
			    strcmp(path[i], path[j]) == 0)
				distinct = 0;
	ok(distinct && count_files(dir, "20261206-091800-line1-777-") == 7,
	    "six recordings in one second: six files (and the link)");
	for (i = 0; i < 6; i++) {
		ok(path[i] != NULL && lstat(path[i], &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size > 1600, "recording %zu "
		    "is a file of its own", i + 1);
		if (path[i] != NULL)
			unlink(path[i]);
		free(path[i]);
	}
	ok(stat(victim, &st) == 0 && st.st_size == 9,
	    "the links' target is untouched");

	/* a link planted under the final name while recording */
	ok(recording_open(&rec[0], dir, "planted", &fmt, 1, NULL, &cause) == 0,
	    "a recording");
	path[0] = recording_path(rec[0]);
	ok(symlink(victim, path[0]) == 0, "a link planted under its name");
	recording_write(rec[0], pcm, sizeof pcm, &cause);
	ok(recording_close(rec[0], NULL, &path[1], &cause) == 0 &&
	    path[1] != NULL && strcmp(path[0], path[1]) != 0,
	    "the recording takes another name");
	ok(lstat(path[0], &st) == 0 && S_ISLNK(st.st_mode) &&
	    stat(victim, &st) == 0 && st.st_size == 9,
	    "the link and its target are untouched");
	unlink(path[0]);
	if (path[1] != NULL)
		unlink(path[1]);
	free(path[0]);
	free(path[1]);
	for (i = 0; i < 6; i++) {
		link = xasprintf("%s/20261206-091800-line1-777%s.wav.part",
		    dir, i == 0 ? "" : "-x");
		unlink(link);
		free(link);
	}

	/* folders others may write in, or reached through a link */
	chmod(dir, 0777);
	is_int(recording_open(&rec[0], dir, "r", &fmt, 1, NULL, &cause), -1,
	    "a folder every user may write in is refused");
	like(cause, "written by every user", "... saying so");
	free(cause);
	cause = NULL;
	chmod(dir, 0750);
	link = xasprintf("%s/spool-link", tmpdir);
	(void)symlink(dir, link);
	is_int(recording_open(&rec[0], link, "r", &fmt, 1, NULL, &cause), -1,
	    "a spool that is a symbolic link is refused");
	like(cause, "symbolic link", "... saying so");
	free(cause);
	unlink(link);
	free(link);
	ok(count_files(dir, "") == 2, "nothing left behind (. and ..)");
	rmdir(dir);
	unlink(victim);
	free(victim);
	free(dir);
}

/* Encode the same samples with sox and compare byte by byte. */
static void
test_sox(void)
{
	static const struct {
		const char *name;
		enum audio_enc enc;
		const char *sox_enc;
	} laws[] = {
		{ "mu-law", AUDIO_ULAW, "mu-law" },
		{ "A-law", AUDIO_ALAW, "a-law" },
	};
	struct audio_pcm t;
	uint8_t *mine, *theirs;
	char *in, *out, *cmd, *data;
	size_t i, k, len, same, near;
	int a, b;

	if (system("sox --version >/dev/null 2>&1") != 0) {
		printf("ok %d # SKIP sox not installed\n", ++tap_n);
		return;
	}
	/* A sweep of levels: a tone fading in. */
	tone_make(&t, 8000, 440, 1000, 30000);
	for (i = 0; i < t.n; i++)
		t.s[i] = (int16_t)((long)t.s[i] * (long)i / (long)t.n);
	in = xasprintf("%s/sox-in.wav", tmpdir);
	out = xasprintf("%s/sox-out.raw", tmpdir);
	wav_write_pcm(in, &t, NULL, NULL);
	mine = xmalloc(t.n);
	for (k = 0; k < nitems(laws); k++) {
		cmd = xasprintf("sox -D '%s' -t raw -e %s -b 8 '%s'", in,
		    laws[k].sox_enc, out);
		ok(system(cmd) == 0, "sox encodes %s", laws[k].name);
		free(cmd);
		if (file_read(out, &data, &len, NULL) == -1)
			len = 0, data = NULL;
		is_int(len, t.n, "sox wrote every sample");
		pcm_encode(laws[k].enc, t.s, t.n, mine);
		theirs = (uint8_t *)data;
		same = near = 0;
		for (i = 0; i < len && i < t.n; i++) {
			if (mine[i] == theirs[i])
				same++;
			a = laws[k].enc == AUDIO_ULAW ?
			    g711_ulaw_decode(mine[i]) :
			    g711_alaw_decode(mine[i]);
			b = laws[k].enc == AUDIO_ULAW ?
			    g711_ulaw_decode(theirs[i]) :
			    g711_alaw_decode(theirs[i]);
			if (abs(a - b) <= abs(a) / 16 + 16)
				near++;
		}
		/* sox rounds negative mu-law samples like Sun's g711.c. */
		ok(same * 100 >= t.n * 90, "%s: %zu of %zu bytes equal sox",
		    laws[k].name, same, t.n);
		is_int(near, t.n, "%s: all within one step of sox",
		    laws[k].name);
		free(data);
	}
	unlink(in);
	unlink(out);
	free(in);
	free(out);
	free(mine);
	pcm_free(&t);
}

/* Other formats libsndfile reads: stereo 44.1 kHz FLAC and AIFF, Ogg. */
static void
test_formats_in(void)
{
	static const char *const exts[] = { "flac", "aiff", "ogg", "au" };
	struct audio_pcm t, back, res;
	char *in, *out, *cmd;
	size_t k;
	int rc;

	if (system("sox --version >/dev/null 2>&1") != 0) {
		printf("ok %d # SKIP sox not installed\n", ++tap_n);
		return;
	}
	tone_make(&t, 44100, 440, 500, 12000);
	in = xasprintf("%s/in.wav", tmpdir);
	wav_write_pcm(in, &t, NULL, NULL);
	for (k = 0; k < nitems(exts); k++) {
		out = xasprintf("%s/stereo.%s", tmpdir, exts[k]);
		cmd = xasprintf("sox '%s' -c 2 '%s' 2>/dev/null", in, out);
		if (system(cmd) != 0) {
			printf("ok %d # SKIP sox cannot write %s\n", ++tap_n,
			    exts[k]);
			free(cmd);
			free(out);
			continue;
		}
		rc = wav_read(out, &back, NULL);
		ok(rc == 0 && back.rate == 44100 && back.n >= 22000 &&
		    back.n <= 22100, "%s stereo 44.1 kHz read as mono (%zu "
		    "samples)", exts[k], back.n);
		rc = pcm_resample(&back, 8000, &res, NULL);
		ok(rc == 0 && res.n >= 3990 && res.n <= 4010 &&
		    rms(res.s + 400, res.n - 800) > 7000,
		    "%s resampled to 8 kHz keeps its level", exts[k]);
		pcm_free(&res);
		pcm_free(&back);
		unlink(out);
		free(cmd);
		free(out);
	}
	unlink(in);
	free(in);
	pcm_free(&t);
}

/*
 * audio_level / audio_level_check (import.c): what a notice may be.  A
 * tone at a speaking level passes, and so does one at full scale that
 * touches the top once in a while (normalised); a whisper below -40
 * dBFS, silence, a flat-topped (clipped) tone and a clip too short are
 * refused, each with its reason.
 */
static void
test_level(void)
{
	struct audio_pcm t;
	struct audio_level lv;
	char *cause = NULL;
	size_t i;
	int rc;

	tone_make(&t, 8000, 440, 2000, 8000);
	audio_level(&t, &lv);
	ok(lv.ms == 2000 && lv.sound_ms >= 1900 && lv.clipped == 0,
	    "level: 2 s at 8000: %u ms, %u ms of sound, %zu clipped", lv.ms,
	    lv.sound_ms, lv.clipped);
	ok(lv.peak_db > -13 && lv.peak_db < -12,
	    "level: peak of 8000 is -12.3 dBFS (%.2f)", lv.peak_db);
	ok(audio_level_check(&t, "tone", &cause) == 0, "level: a tone passes");
	for (i = 0; i < t.n; i += 2000)  /* 0.05% at the top: normalised */
		t.s[i] = 32767;
	rc = audio_level_check(&t, "peaks", &cause);
	ok(rc == 0, "level: a few samples at full scale pass: %s",
	    rc == 0 ? "yes" : cause);
	for (i = 0; i < t.n; i++)       /* clipped: flat tops */
		t.s[i] = t.s[i] > 4000 ? 32767 : t.s[i] < -4000 ? -32768 :
		    (int16_t)(t.s[i] * 8);
	rc = audio_level_check(&t, "clip", &cause);
	ok(rc == -1 && strstr(cause, "clip: clipped (") != NULL,
	    "level: clipped: %s", cause);
	free(cause);
	pcm_free(&t);

	tone_make(&t, 8000, 440, 2000, 300);    /* -40.8 dBFS */
	rc = audio_level_check(&t, "whisper", &cause);
	ok(rc == -1 && strstr(cause, "whisper: silent (0 ms of 2000 ms") !=
	    NULL, "level: below -40 dBFS is silent: %s", cause);
	free(cause);
	memset(t.s, 0, t.n * sizeof *t.s);
	rc = audio_level_check(&t, "zero", &cause);
	ok(rc == -1 && strstr(cause, "peak -96.0 dBFS") != NULL,
	    "level: zeros: %s", cause);
	free(cause);
	pcm_free(&t);

	tone_make(&t, 8000, 440, 400, 8000);
	rc = audio_level_check(&t, "short", &cause);
	ok(rc == -1 && strstr(cause, "short: too short (400 ms") != NULL,
	    "level: 0.4 s is too short: %s", cause);
	free(cause);
	pcm_free(&t);
}

int
main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/kefu-audio-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		tap_skip_all("cannot create a temporary folder");
	test_g711_known();
	test_g711_roundtrip();
	test_formats();
	test_resample();
	test_resample_stream();
	test_tone();
	test_silence();
	test_wav();
	test_recording();
	test_recording_spool();
	test_sox();
	test_formats_in();
	test_level();
	rmdir(tmpdir);
	return tap_done();
}
