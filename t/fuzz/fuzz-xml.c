/*
 * fuzz-xml.c: the loaders of the files IT staff write, on arbitrary
 * bytes: the first byte picks one -- a flow (then the static checker on
 * it), a mapping, an adapter profile, a prompt catalog, a say-rules
 * catalog (say.xml) or the say rules themselves -- and the rest is that
 * file, written to a scratch folder laid out as kefu's own.  Every input
 * is refused with a message or loads and frees cleanly.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "audio/audio.h"
#include "db/db.h"
#include "flow/flow.h"
#include "map/map.h"
#include "say/say.h"
#include "util/util.h"
#include "fuzz.h"

#ifndef KEFU_FUZZ_TOP
#define KEFU_FUZZ_TOP "."
#endif

static char fz_dir[64];
static char *fz_top;

static char *
fz_path(const char *rel)
{
	return xasprintf("%s/%s", fz_dir, rel);
}

static void
fz_mkdir(const char *rel)
{
	char *p = fz_path(rel);

	if (mkdir(p, 0700) == -1)
		abort();
	free(p);
}

static void
fz_link(const char *from_top, const char *rel)
{
	char *src = xasprintf("%s/%s", fz_top, from_top), *dst = fz_path(rel);

	if (symlink(src, dst) == -1)
		abort();
	free(src);
	free(dst);
}

/* At exit: the scratch folder goes. */
static void
fz_cleanup(void)
{
	static const char *const files[] = {
		"flows/fuzz.xml", "mappings/fuzz.xml", "adapters/fuzz.xml",
		"adapters/adapter.rng", "prompts/zh-CN/prompts.xml",
		"say/fuzz.xml", "say/fuzz.rules", "say/shipped.xml",
		"say/shipped.rules", "say", "prompts/zh-CN", "prompts",
		"adapters", "mappings", "flows", "",
	};
	size_t i;
	char *p;

	for (i = 0; i < nitems(files); i++) {
		p = fz_path(files[i]);
		(void)remove(p);
		free(p);
	}
	free(fz_top);
}

static void
fz_init(void)
{
	const char *src = getenv("KEFU_SRCDIR");

	log_set_level(KLOG_ERROR);
	fz_top = xstrdup(src != NULL ? src : KEFU_FUZZ_TOP);
	snprintf(fz_dir, sizeof fz_dir, "/tmp/kefu-fuzz-xml.XXXXXX");
	if (mkdtemp(fz_dir) == NULL)
		abort();
	fz_mkdir("flows");
	fz_mkdir("mappings");
	fz_mkdir("adapters");
	fz_mkdir("prompts");
	fz_mkdir("prompts/zh-CN");
	fz_mkdir("say");
	fz_link("adapters/adapter.rng", "adapters/adapter.rng");
	fz_link("prompts/zh-CN/say.xml", "say/shipped.xml");
	fz_link("prompts/zh-CN/say.rules", "say/shipped.rules");
	atexit(fz_cleanup);
}

/* Write the input as file rel in the scratch folder; its path. */
static char *
fz_write(const char *rel, const uint8_t *data, size_t size)
{
	char *p = fz_path(rel);
	FILE *fp;

	if ((fp = fopen(p, "w")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();
	return p;
}

/* The input has failed to load: it must say why. */
static void
fz_refused(char *cause)
{
	if (cause == NULL || *cause == '\0')
		abort();
	free(cause);
}

static void
fz_flow(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	struct flow_set *set;
	char *p = fz_write("flows/fuzz.xml", data, size), *cause = NULL;
	char *schema = xasprintf("%s/flows/flow.rng", fz_top);
	const char *files[1] = { p };

	if (flow_set_load_files(files, 1, schema, &set, &cause) == 0) {
		(void)flow_check(set, NULL, &out);
		sb_free(&out);
		flow_set_unref(set);
	} else
		fz_refused(cause);
	free(schema);
	free(p);
}

static void
fz_mapping(const uint8_t *data, size_t size)
{
	struct map_load_cfg cfg;
	struct map_set *set;
	char *p = fz_write("mappings/fuzz.xml", data, size), *cause = NULL;
	char *schema = xasprintf("%s/mappings/mapping.rng", fz_top);

	memset(&cfg, 0, sizeof cfg);
	cfg.path = p;
	cfg.schema = schema;
	if (map_load(&cfg, &set, &cause) == 0)
		map_set_free(set);
	else
		fz_refused(cause);
	free(schema);
	free(p);
}

static void
fz_adapter(const uint8_t *data, size_t size)
{
	struct db_adapters *ads;
	char *p = fz_write("adapters/fuzz.xml", data, size), *cause = NULL;
	char *dir = fz_path("adapters");

	if (db_adapters_load(dir, &ads, &cause) == 0)
		db_adapters_free(ads);
	else
		fz_refused(cause);
	free(dir);
	free(p);
}

static void
fz_prompts(const uint8_t *data, size_t size)
{
	struct prompts *pr;
	char *p = fz_write("prompts/zh-CN/prompts.xml", data, size);
	char *dir = fz_path("prompts"), *cause = NULL;

	if (prompts_load(dir, "zh-CN", &pr, &cause) == 0)
		prompts_free(pr);
	else
		fz_refused(cause);
	free(dir);
	free(p);
}

static void
fz_say(const uint8_t *data, size_t size, int rules)
{
	struct say_rules *sr;
	char *p, *other, *cause = NULL;

	p = fz_write(rules ? "say/fuzz.rules" : "say/fuzz.xml", data, size);
	other = fz_path(rules ? "say/shipped.xml" : "say/shipped.rules");
	if ((rules ? say_load_files(p, other, &sr, &cause) :
	    say_load_files(other, p, &sr, &cause)) == 0)
		say_free(sr);
	else
		fz_refused(cause);
	free(other);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fz_top == NULL)
		fz_init();
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
		fz_flow(data + 1, size - 1);
		break;
	case 1:
		fz_mapping(data + 1, size - 1);
		break;
	case 2:
		fz_adapter(data + 1, size - 1);
		break;
	case 3:
		fz_prompts(data + 1, size - 1);
		break;
	case 4:
		fz_say(data + 1, size - 1, 0);
		break;
	default:
		fz_say(data + 1, size - 1, 1);
		break;
	}
	return 0;
}
