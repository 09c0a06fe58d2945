/*
 * mime-bench.c: CPU a message of mail_compose (msg/mime.c, GMime) for
 * the messages make bench-mail sends: a marketing message with a Chinese
 * subject and name, List-Unsubscribe, a plain text body of the given
 * size; with "html", an HTML alternative and an inline image as well.
 * Then the same messages as a campaign through mail_compose_cached (the
 * e-mail transport's way): the body composed once, each message's
 * header fields written around it.
 *
 *   mime-bench [messages [bytes [html]]]
 *
 * Prints figures; never a timed test.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "msg/msg.h"
#include "store/store.h"
#include "util/util.h"

/* User plus system CPU time so far in microseconds. */
static double
bench_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* A body of size bytes in lines of 72, as bench/mail-bench.c queues. */
static char *
bench_body(unsigned size)
{
	char *body = xmalloc(size + 1);
	unsigned i;

	for (i = 0; i < size; i++)
		body[i] = (i + 1) % 72 == 0 ? '\n' : (char)('a' + i % 26);
	body[size] = '\0';
	return body;
}

/* n messages composed (through cache c when not NULL); the figures. */
static void
bench_run(const struct conf *conf, struct mail_cache *c, struct store_msg *m,
    const struct store_attachment *att, size_t natt, unsigned n,
    struct strbuf *out)
{
	char *cause = NULL;
	double cpu0, cpu1;
	uint64_t t0, ms;
	unsigned i;

	cpu0 = bench_cpu_us();
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		sb_reset(out);
		m->id = i + 1;
		if (mail_compose_cached(c, conf, "kefu.test", m, att, natt,
		    out, &cause) == -1) {
			fprintf(stderr, "mime-bench: %s\n", cause);
			exit(1);
		}
	}
	ms = now_ms() - t0;
	cpu1 = bench_cpu_us();
	printf("%-20s %8.1f us CPU a message (%.1f us wall)\n",
	    c ? "mail_compose_cached" : "mail_compose", (cpu1 - cpu0) / n,
	    ms * 1000.0 / n);
}

int
main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
	unsigned size = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
	int html = argc > 3 && strcmp(argv[3], "html") == 0;
	struct store_msg m = { .recipient = (char *)"sink@kefu.test",
	    .recipient_name = (char *)"王芳", .subject = (char *)"本周特价",
	    .msg_class = (char *)"marketing", .attempts = 1 };
	struct store_attachment logo = { .content_type = "image/png",
	    .filename = "logo.png", .inline_id = "logo@kefu.test" };
	struct strbuf out = { 0 };
	struct conf *conf;
	char *cause = NULL, path[] = "/tmp/kefu-mime-bench-XXXXXX";
	unsigned char img[4096];
	struct mail_cache *cache;
	unsigned i;
	int fd;

	if (conf_parse("/tmp/mime-bench.conf", "[email]\nfrom = "
	    "shop@kefu.test\nfrom-name = 好又多超市\n", &conf, &cause) == -1) {
		fprintf(stderr, "mime-bench: %s\n", cause);
		return 1;
	}
	m.body = bench_body(size);
	if (html) {
		m.body_html = xasprintf("<p>%s</p><img src=\"cid:logo@kefu."
		    "test\">", m.body);
		for (i = 0; i < sizeof img; i++)
			img[i] = (unsigned char)(i * 7);
		if ((fd = mkstemp(path)) == -1 ||
		    write(fd, img, sizeof img) != (ssize_t)sizeof img) {
			fprintf(stderr, "mime-bench: %s\n", path);
			return 1;
		}
		close(fd);
		logo.path = path;
	}
	/* the first one sets GMime up: not counted */
	mail_compose(conf, "kefu.test", &m, &logo, html, &out, &cause);
	printf("mime-bench: %u messages, %u-byte text%s, %zu bytes each\n",
	    n, size, html ? " + HTML + 4 KB inline image" : "", out.len);
	bench_run(conf, NULL, &m, &logo, html, n, &out);
	cache = mail_cache_new();
	bench_run(conf, cache, &m, &logo, html, n, &out);
	mail_cache_free(cache);
	if (html)
		unlink(path);
	sb_free(&out);
	free(m.body);
	free(m.body_html);
	conf_free(conf);
	return 0;
}
