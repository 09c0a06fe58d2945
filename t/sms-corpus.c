/*
 * sms-corpus.c: prints the PDUs kefu's SMS codec makes for a corpus of
 * test messages (every unit-test case: extension characters, Chinese,
 * emoji, the 160/161, 70/71, 153 and 67 boundaries, VP, SRR, national
 * numbers, inbound parts, status reports), each with kefu's own decoding
 * in a canonical form, for t/sms-xcheck.js to compare against node-pdu.
 * With file arguments it decodes PDUs recorded elsewhere (one
 * "mo<TAB>hex" per line, e.g. by the GSM simulator) instead.
 *
 * Output, one line each:
 *   D <mo> <hex> <canonical>      decode <hex> and compare
 *   E <to> <utf8-hex> <hex>       encode the text and compare the hex
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "msg/sms.h"

static void
hexs(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++)
		sb_addf(sb, "%02x", (unsigned char)*s);
}

/* The fields both decoders can tell, one canonical string. */
static char *
canon(const struct sms_msg *m)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "type=%s addr=%s", sms_type_name(m->type), m->addr);
	if (m->type != SMS_STATUS)
		sb_addf(&sb, " coding=%s", sms_coding_name(m->coding));
	if (m->concat)
		sb_addf(&sb, " concat=%u/%u/%u", m->ref, m->total, m->seq);
	if (m->type == SMS_SUBMIT) {
		sb_addf(&sb, " srr=%d mr=%d", m->srr, m->mr);
		/* node-pdu reads TP-VP over 143 wrongly (12 days for 12 h,
		   days and weeks off by one and four): compare the rest */
		if (m->vpf == 2 && m->vp_minutes <= 720)
			sb_addf(&sb, " vp=%u", m->vp_minutes);
	}
	if (m->type != SMS_SUBMIT)
		sb_addf(&sb, " scts=%s", m->scts);
	if (m->type == SMS_STATUS)
		sb_addf(&sb, " mr=%d st=%d dt=%s", m->mr, m->status, m->dt);
	else {
		sb_adds(&sb, " text=");
		hexs(&sb, m->text);
	}
	return sb_steal(&sb);
}

static void
emit(int mo, const char *hex)
{
	struct sms_msg m;
	char *cause = NULL, *c;

	if (sms_decode(hex, 1, mo, &m, &cause) == -1) {
		printf("D\t%d\t%s\tERROR %s\n", mo, hex, cause);
		free(cause);
		return;
	}
	c = canon(&m);
	printf("D\t%d\t%s\t%s\n", mo, hex, c);
	free(c);
	sms_msg_free(&m);
}

static void
submit(const char *text, const char *to, unsigned vp, int srr, unsigned ref)
{
	struct sms_submit_opts o = { .to = to, .vp_minutes = vp, .srr = srr,
	    .ref = ref };
	struct sms_pdu *p;
	char *cause = NULL;
	size_t n, i;

	if (sms_encode_submit(text, &o, &p, &n, &cause) == -1)
		fatalx("corpus: %s", cause);
	for (i = 0; i < n; i++)
		emit(1, p[i].hex);
	sms_pdus_free(p, n);
}

static void
deliver(const char *text, const char *from, unsigned ref)
{
	struct sms_pdu *p;
	char *cause = NULL;
	size_t n, i;

	if (sms_encode_deliver(text, from, "261206102030", 32, ref, &p, &n,
	    &cause) == -1)
		fatalx("corpus: %s", cause);
	for (i = 0; i < n; i++)
		emit(0, p[i].hex);
	sms_pdus_free(p, n);
}

/* Cases node-pdu's encoder gets right (international, no VP). */
static void
encode_same(const char *text, const char *to)
{
	struct sms_submit_opts o = { .to = to };
	struct strbuf sb = STRBUF_INIT;
	struct sms_pdu *p;
	char *cause = NULL;
	size_t n;

	if (sms_encode_submit(text, &o, &p, &n, &cause) == -1)
		fatalx("corpus: %s", cause);
	hexs(&sb, text);
	printf("E\t%s\t%s\t%s\n", to, sb_str(&sb), p[0].hex);
	sb_free(&sb);
	sms_pdus_free(p, n);
}

static char *
repeat(const char *s, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;

	while (n-- > 0)
		sb_adds(&sb, s);
	return sb_steal(&sb);
}

static void
corpus(void)
{
	static const unsigned gsm_len[] = { 1, 152, 153, 160, 161, 306, 307 };
	static const unsigned ucs_len[] = { 1, 66, 67, 70, 71, 134, 135 };
	static const unsigned vps[] = { 5, 60, 720, 1440, 4 * 1440, 70560 };
	struct sms_pdu st;
	char *s, *cause = NULL;
	size_t i;

	submit("hellohello", "+46708251358", 4 * 1440, 0, 0);
	submit("€[]{}^~\\|", "+8613800138000", 0, 0, 0);
	submit("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡"
	    "ÄÖÑÜ§¿äöñüà\r\n", "+8613800138000", 0, 0, 0);
	submit("【永辉超市】本周特价：鸡蛋 9.9 元/30 枚。回复TD退订",
	    "+8613800138000", 1440, 1, 0);
	submit("会员您好😀🎉", "13800138000", 60, 1, 0);
	for (i = 0; i < nitems(gsm_len); i++) {
		s = repeat("a", gsm_len[i]);
		submit(s, "+8613800138000", 0, 1, (unsigned)i + 200);
		free(s);
	}
	for (i = 0; i < nitems(ucs_len); i++) {
		s = repeat("中", ucs_len[i]);
		submit(s, "+8613800138000", 1440, 0, (unsigned)i + 250);
		free(s);
	}
	s = xasprintf("%s€bbbbbbbbbb", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	submit(s, "+8613800138000", 0, 0, 1);
	free(s);
	for (i = 0; i < nitems(vps); i++)
		submit("vp", "+8613800138000", vps[i], 0, 0);
	s = repeat("退订", 40);
	deliver(s, "+8613912345678", 77);
	free(s);
	deliver("TD", "10690000", 0);
	deliver("Your code is 1234 {ok}", "+447700900123", 0);
	if (sms_encode_status(0x2c, "+8613912345678", "261206102030",
	    "261206102035", 32, 0x00, &st, &cause) == -1)
		fatalx("corpus: %s", cause);
	emit(0, st.hex);
	free(st.hex);
	if (sms_encode_status(0x2d, "+8613912345678", "261206102030",
	    "261206112035", 32, 0x46, &st, &cause) == -1)
		fatalx("corpus: %s", cause);
	emit(0, st.hex);
	free(st.hex);
	/* published PDUs decoded by both */
	emit(0, "07919730071111F1000B919746121611F10000811170021222230DC8"
	    "329BFD6681EE6F399B1C02");
	emit(1, "0001000B813124819396F300080A00680065006C006C006F");
	emit(0, "00440B916407281553F800086221600102032309060804123402010041");
	emit(0, "00040DD049B7F93D6D4E010000620160000000000141");
	emit(1, "0071000B915155214365F70008A7100500032A020100480065006C00"
	    "6C006F");

	encode_same("Hello everyone!", "+999999999999");
	encode_same("你好😀", "+8613800138000");
	encode_same("【永辉超市】本周特价", "+8613800138000");
	encode_same("Order 1234 confirmed, pick up at 18:00.",
	    "+8613800138000");

}

/* Lines "mo<TAB>hex" from a file, as the GSM simulator records them. */
static void
recorded(const char *path)
{
	char *data = NULL, *cause = NULL, *line, *save = NULL, *tab;
	size_t len;

	if (file_read(path, &data, &len, &cause) == -1)
		fatalx("corpus: %s", cause);
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if ((tab = strchr(line, '\t')) != NULL)
			emit(line[0] == '1', tab + 1);
	free(data);
}

int
main(int argc, char **argv)
{
	int i;

	if (argc == 1)
		corpus();
	for (i = 1; i < argc; i++)
		recorded(argv[i]);
	return 0;
}
