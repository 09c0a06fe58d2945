/*
 * fuzz-conf.c: kefu.conf on arbitrary text -- the INI reader (ini.c) and
 * the typed sections built from it (conf.c): every input is refused with
 * a message or gives a configuration that frees cleanly.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "util/util.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini *ini;
	struct conf *conf;
	char *text, *cause = NULL;

	log_set_level(KLOG_ERROR);
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (ini_parse("/fuzz/kefu.conf", text, &ini, &cause) == 0)
		ini_free(ini);
	else if (cause == NULL || *cause == '\0')
		abort();        /* a refusal always says why */
	free(cause);
	cause = NULL;
	if (conf_parse("/fuzz/kefu.conf", text, &conf, &cause) == 0)
		conf_free(conf);
	else if (cause == NULL || *cause == '\0')
		abort();
	free(cause);
	free(text);
	return 0;
}
