/*
 * tone.c: sine tones for beeps (the "record after the tone" beep and the
 * last-resort fallback of a prompt without audio).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "util/util.h"

#define TONE_RAMP_MS 5

void
tone_make(struct audio_pcm *out, unsigned rate, unsigned hz, unsigned ms,
    int amplitude)
{
	size_t i, n, ramp;
	double g;

	n = (size_t)rate * ms / 1000;
	ramp = (size_t)rate * TONE_RAMP_MS / 1000;
	out->rate = rate;
	out->n = n;
	out->s = xreallocarray(NULL, n ? n : 1, sizeof *out->s);
	for (i = 0; i < n; i++) {
		g = 1.0;
		if (ramp > 0 && i < ramp)
			g = (double)i / ramp;
		else if (ramp > 0 && n - i <= ramp)
			g = (double)(n - i - 1) / ramp;
		out->s[i] = (int16_t)lrint(amplitude * g *
		    sin(2.0 * M_PI * hz * (double)i / rate));
	}
}

int
tone_parse(const char *spec, unsigned *hz, unsigned *ms, char **cause)
{
	const char *colon, *errstr;
	long long h, m;
	char *freq;
	int rc;

	if ((colon = strchr(spec, ':')) == NULL)
		return kf_error(cause, "tone \"%s\": want HZ:MS, e.g. "
		    "1000:300", spec);
	freq = xstrndup(spec, (size_t)(colon - spec));
	rc = str_tonum(freq, 50, 3800, &h, &errstr);
	free(freq);
	if (rc == -1)
		return kf_error(cause, "tone \"%s\": frequency %s (50..3800)",
		    spec, errstr);
	if (str_tonum(colon + 1, 10, 10000, &m, &errstr) == -1)
		return kf_error(cause, "tone \"%s\": duration %s (10..10000 "
		    "ms)", spec, errstr);
	*hz = (unsigned)h;
	*ms = (unsigned)m;
	return 0;
}
