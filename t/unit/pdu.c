/*
 * pdu.c: the SMS PDU codec (src/msg/sms.c) against golden PDUs from
 * well-known published examples, byte-exact; the GSM 7-bit extension
 * table; UCS2 Chinese and surrogate pairs; concatenation boundaries
 * (160/161, 70/71, 153, 67) and what cannot be split; validity period,
 * status report request, reference wrapping; decoding of SMS-DELIVER and
 * SMS-STATUS-REPORT, joining inbound parts, and malformed input.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "msg/sms.h"
#include "../tap.h"

/* Encode <text> to <to> and return the parts (fails the test if not). */
static size_t
enc(const char *text, const struct sms_submit_opts *o, struct sms_pdu **p)
{
	char *cause = NULL;
	size_t n = 0;

	if (sms_encode_submit(text, o, p, &n, &cause) == -1) {
		ok(0, "encode failed: %s", cause);
		free(cause);
		*p = NULL;
		return 0;
	}
	return n;
}

static void
golden_encode(void)
{
	struct sms_submit_opts o;
	struct sms_pdu *p;
	size_t n;

	/* dreamfabric.com/sms: "hellohello" to +46708251358, VP 4 days */
	memset(&o, 0, sizeof o);
	o.to = "+46708251358";
	o.vp_minutes = 4 * 1440;
	n = enc("hellohello", &o, &p);
	is_int(n, 1, "hellohello: one part");
	is_str(p[0].hex, "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
	    "hellohello: dreamfabric's SMS-SUBMIT byte for byte");
	is_int(p[0].tpdu_len, 23, "hellohello: AT+CMGS=23");
	sms_pdus_free(p, n);

	/* node-pdu's README: Submit("+999999999999", "Hello everyone!") */
	memset(&o, 0, sizeof o);
	o.to = "+999999999999";
	n = enc("Hello everyone!", &o, &p);
	is_str(p[0].hex,
	    "0001000C9199999999999900000FC8329BFD0695ED6579FEED2E8700",
	    "Hello everyone!: node-pdu's example byte for byte");
	sms_pdus_free(p, n);

	/* extension table: "[" is ESC 3C, 2 septets: 1B 1E */
	memset(&o, 0, sizeof o);
	o.to = "+8613800138000";
	n = enc("[", &o, &p);
	is_str(p[0].hex, "0001000D91683108108300F00000021B1E",
	    "\"[\" is ESC + 0x3C, international +86 number swapped");
	is_int(p[0].tpdu_len, 16, "\"[\": TPDU length 16");
	sms_pdus_free(p, n);

	/* Chinese: UCS2, DCS 08 */
	n = enc("你好", &o, &p);
	is_str(p[0].hex, "0001000D91683108108300F00008044F60597D",
	    "你好 in UCS2");
	is_int(p[0].tpdu_len, 18, "你好: AT+CMGS=18 (kefu-sms(7) example)");
	sms_pdus_free(p, n);

	/* national number, SRR, VP 24 h (A7), the SMSC given */
	o.to = "13800138000";
	o.srr = 1;
	o.vp_minutes = 1440;
	o.smsc = "+8613800100500";
	n = enc("A", &o, &p);
	is_str(p[0].hex, "0891683108100005F031000B813108108300F00000A70141",
	    "national TOA 81, SRR + VP relative (FO 31), SMSC field");
	is_int(p[0].tpdu_len, 15, "SMSC field not counted in the length");
	sms_pdus_free(p, n);
}

static void
golden_decode(void)
{
	struct sms_msg m;
	char *cause = NULL;

	/* node-pdu's README SMS-DELIVER */
	ok(sms_decode("07919730071111F1000B919746121611F1000081117002122223"
	    "0DC8329BFD6681EE6F399B1C02", 1, 0, &m, &cause) == 0,
	    "node-pdu deliver decodes");
	is_int(m.type, SMS_DELIVER, "it is an SMS-DELIVER");
	is_str(m.smsc, "+79037011111", "SMSC");
	is_str(m.addr, "+79642161111", "originator");
	is_str(m.scts, "2018-11-07 20:21:22 +08:00", "time stamp and zone");
	is_str(m.text, "Hello, world!", "text");
	sms_msg_free(&m);

	/* dreamfabric SMS-DELIVER: TON 4 (no +), zone +02:00 */
	ok(sms_decode("07917283010010F5040BC87238880900F1000099309251619580"
	    "0AE8329BFD4697D9EC37", 1, 0, &m, &cause) == 0,
	    "dreamfabric deliver decodes");
	is_str(m.addr, "27838890001", "non-international originator");
	is_str(m.scts, "1999-03-29 15:16:59 +02:00", "time stamp 99/03/29");
	is_str(m.text, "hellohello", "text");
	sms_msg_free(&m);

	/* Neoway's UCS2 submit (national number) */
	ok(sms_decode("0001000B813124819396F300080A00680065006C006C006F", 1,
	    1, &m, &cause) == 0, "Neoway UCS2 submit decodes");
	is_int(m.type, SMS_SUBMIT, "it is an SMS-SUBMIT");
	is_str(m.addr, "13421839693", "national destination");
	is_int(m.coding, SMS_UCS2, "UCS2");
	is_str(m.text, "hello", "text");
	sms_msg_free(&m);

	/* part 1 of 2, UCS2, ref 2A, VP 24 h, SRR (the protocol brief) */
	ok(sms_decode("0071000B915155214365F70008A7100500032A020100480065006C"
	    "006C006F", 1, 1, &m, &cause) == 0, "concatenated submit decodes");
	ok(m.concat && m.ref == 0x2a && m.total == 2 && m.seq == 1,
	    "UDH: ref 42, part 1 of 2");
	ok(m.srr == 1 && m.vpf == 2 && m.vp_minutes == 1440,
	    "SRR and 24 h relative validity");
	is_str(m.text, "Hello", "text after the header");
	sms_msg_free(&m);

	/* 16-bit reference (IEI 08): ref 0x1234, part 1 of 2 */
	ok(sms_decode("00440B916407281553F80008622160010203230906080412340201"
	    "0041", 1, 0, &m, &cause) == 0, "16-bit reference deliver decodes");
	ok(m.concat && m.ref == 0x1234 && m.total == 2 && m.seq == 1,
	    "UDH IEI 08: ref 4660, part 1 of 2");
	is_str(m.text, "A", "text after the 7-octet header");
	sms_msg_free(&m);

	/* alphanumeric sender (TOA D0): "InfoSMS" */
	ok(sms_decode("00040DD049B7F93D6D4E01000062016000000000" "0141", 1, 0,
	    &m, &cause) == 0, "alphanumeric sender decodes");
	is_str(m.addr, "InfoSMS", "alphanumeric originator");
	is_str(m.text, "A", "text");
	sms_msg_free(&m);
}

/* All GSM extension characters survive and count 2 septets each. */
static void
extension(void)
{
	static const char text[] = "€[]{}^~\\|";
	struct sms_submit_opts o = { .to = "+8613800138000" };
	struct sms_count c;
	struct sms_pdu *p;
	struct sms_msg m;
	char *cause = NULL;
	size_t n;

	ok(sms_count(text, &c, &cause) == 0, "count extension text");
	ok(c.coding == SMS_GSM7 && c.chars == 9 && c.units == 18,
	    "9 extension characters are GSM7, 18 septets (got %s %u %u)",
	    sms_coding_name(c.coding), c.chars, c.units);
	n = enc(text, &o, &p);
	ok(sms_decode(p[0].hex, 1, 1, &m, &cause) == 0, "decodes");
	is_str(m.text, text, "extension characters round trip");
	is_int(m.units, 18, "UDL 18 septets");
	sms_msg_free(&m);
	sms_pdus_free(p, n);

	ok(sms_count("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", &c,
	    &cause) == 0 && c.coding == SMS_GSM7 && c.units == c.chars,
	    "every non-ASCII basic character is one septet");
	ok(sms_count("a`b", &c, &cause) == 0 && c.coding == SMS_UCS2,
	    "a backquote (not in GSM 7-bit) forces UCS2");
}

static char *
repeat(const char *s, unsigned n)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned i;

	for (i = 0; i < n; i++)
		sb_adds(&sb, s);
	return sb_steal(&sb);
}

/* Encode, decode every part, check sizes, join back. */
static void
split_check(const char *what, const char *text, unsigned want_parts,
    unsigned first_units, unsigned ref)
{
	struct sms_submit_opts o = { .to = "+8613800138000", .ref = ref };
	struct sms_msg m[8];
	const struct sms_msg *mp[8];
	struct sms_count c;
	struct sms_pdu *p;
	char *cause = NULL, *joined = NULL;
	size_t n, i;
	int good = 1, counted;

	n = enc(text, &o, &p);
	counted = sms_count(text, &c, &cause) == 0;
	ok(counted && c.parts == n,
	    "%s: count says %u parts, encoder made %zu", what, c.parts, n);
	is_int(n, want_parts, "%s: parts", what);
	for (i = 0; i < n && i < 8; i++) {
		if (sms_decode(p[i].hex, 1, 1, &m[i], &cause) == -1) {
			ok(0, "%s: part %zu: %s", what, i + 1, cause);
			free(cause);
			cause = NULL;
			good = 0;
			continue;
		}
		mp[i] = &m[i];
		if (n > 1 && (!m[i].concat || m[i].seq != i + 1 ||
		    m[i].total != n || m[i].ref != (ref & 0xff)))
			good = 0;
		if (p[i].tpdu_len > 140 + 14 || m[i].units >
		    (c.coding == SMS_GSM7 ? 160u : 140u))
			good = 0;
	}
	ok(good, "%s: every part decodes with its header", what);
	if (n > 0 && good)
		is_int(c.coding == SMS_GSM7 ? m[0].units : m[0].units / 2,
		    first_units, "%s: first part carries %u units", what,
		    first_units);
	if (good && n <= 8) {
		ok(sms_join(mp, n, &joined, &cause) == 0 && joined != NULL &&
		    strcmp(joined, text) == 0, "%s: parts join to the text",
		    what);
		free(joined);
	}
	for (i = 0; good && i < n && i < 8; i++)
		sms_msg_free(&m[i]);
	sms_pdus_free(p, n);
}

static void
boundaries(void)
{
	char *s, *t;

	s = repeat("a", 160);
	split_check("160 GSM", s, 1, 160, 1);
	free(s);
	s = repeat("a", 161);
	split_check("161 GSM", s, 2, 153, 2);
	free(s);
	s = repeat("a", 306);
	split_check("306 GSM", s, 2, 153, 3);
	free(s);
	s = repeat("a", 307);
	split_check("307 GSM", s, 3, 153, 4);
	free(s);
	s = repeat("中", 70);
	split_check("70 UCS2", s, 1, 70, 5);
	free(s);
	s = repeat("中", 71);
	split_check("71 UCS2", s, 2, 67, 6);
	free(s);
	s = repeat("中", 134);
	split_check("134 UCS2", s, 2, 67, 7);
	free(s);
	s = repeat("中", 135);
	split_check("135 UCS2", s, 3, 67, 8);
	free(s);

	/* 152 septets then "€": ESC+65 may not straddle parts */
	t = repeat("a", 152);
	s = xasprintf("%s€%s", t, "bbbbbbbbbb");
	split_check("ESC at 153", s, 2, 152, 9);
	free(s);
	free(t);
	/* 66 units then an emoji: the surrogate pair stays whole */
	t = repeat("中", 66);
	s = xasprintf("%s😀%s", t, "中中中中中");
	split_check("pair at 67", s, 2, 66, 10);
	free(s);
	free(t);
	/* reference wraps at 255 */
	s = repeat("b", 200);
	split_check("ref 256 -> 0", s, 2, 153, 256);
	split_check("ref 300 -> 44", s, 2, 153, 300);
	free(s);
}

static void
counting(void)
{
	struct sms_count c;
	char *cause = NULL, *s;
	int rc;

	ok(sms_count("", &c, &cause) == 0 && c.parts == 1 && c.left == 160,
	    "empty text: one part, 160 left");
	s = repeat("a", 161);
	rc = sms_count(s, &c, &cause);
	ok(rc == 0 && c.parts == 2 &&
	    c.per_part == 153 && c.left == 153 - 8,
	    "161: 2 parts of 153, %u left", c.left);
	free(s);
	rc = sms_count("【超市】会员您好😀", &c, &cause);
	ok(rc == 0 &&
	    c.coding == SMS_UCS2 && c.chars == 9 && c.units == 10,
	    "emoji counts 2 UTF-16 units (chars %u units %u)", c.chars,
	    c.units);
	rc = sms_count("\xff", &c, &cause);
	ok(rc == -1 && cause != NULL,
	    "invalid UTF-8 refused: %s", cause ? cause : "-");
	free(cause);
}

static void
options(void)
{
	struct sms_submit_opts o = { .to = "+8613800138000" };
	struct sms_pdu *p;
	struct sms_msg m;
	char *cause = NULL, *s;
	size_t n;
	static const struct {
		unsigned min, vp, back;
	} vps[] = {
		{ 1, 0x00, 5 }, { 5, 0x00, 5 }, { 6, 0x01, 10 },
		{ 720, 143, 720 }, { 1440, 0xa7, 1440 }, { 1441, 168, 2880 },
		{ 4 * 1440, 0xaa, 5760 }, { 30 * 1440, 196, 43200 },
		{ 7 * 10080, 199, 70560 }, { 1000000, 255, 635040 },
	};
	size_t i;
	char want[3];
	int rc;

	for (i = 0; i < nitems(vps); i++) {
		o.vp_minutes = vps[i].min;
		n = enc("x", &o, &p);
		snprintf(want, sizeof want, "%02X", vps[i].vp);
		ok(strncmp(p[0].hex + 28, want, 2) == 0 && p[0].hex[2] == '1',
		    "VP %u min -> TP-VP %s (PDU %s)", vps[i].min, want,
		    p[0].hex);
		ok(sms_decode(p[0].hex, 1, 1, &m, &cause) == 0 &&
		    m.vp_minutes == vps[i].back, "TP-VP %s reads %u min", want,
		    vps[i].back);
		sms_msg_free(&m);
		sms_pdus_free(p, n);
	}
	o.vp_minutes = 1440;
	o.srr = 1;
	s = repeat("中", 80);
	n = enc(s, &o, &p);
	ok(n == 2 && strncmp(p[0].hex, "0071", 4) == 0,
	    "concatenated + SRR + VP: first octet 71");
	sms_pdus_free(p, n);
	free(s);

	o.to = "+86138001380001234567890";
	rc = sms_encode_submit("x", &o, &p, &n, &cause);
	ok(rc == -1,
	    "a 23-digit number is refused: %s", cause ? cause : "-");
	free(cause);
	cause = NULL;
	o.to = "138-0013";
	rc = sms_encode_submit("x", &o, &p, &n, &cause);
	ok(rc == -1,
	    "a number with a dash is refused: %s", cause ? cause : "-");
	free(cause);
}

static void
inbound(void)
{
	struct sms_pdu *p, st;
	struct sms_msg m[3];
	const struct sms_msg *mp[3];
	char *cause = NULL, *joined = NULL, *s;
	size_t n;
	int rc;

	s = repeat("退订", 40);     /* 80 UCS2 units: 2 parts */
	ok(sms_encode_deliver(s, "+8613912345678", "261206102030", 32, 77,
	    &p, &n, &cause) == 0 && n == 2, "deliver encodes in 2 parts");
	ok(sms_decode(p[1].hex, 1, 0, &m[0], &cause) == 0 &&
	    sms_decode(p[0].hex, 1, 0, &m[1], &cause) == 0,
	    "both deliver parts decode");
	is_str(m[0].addr, "+8613912345678", "originator");
	is_str(m[0].scts, "2026-12-06 10:20:30 +08:00", "time stamp");
	mp[0] = &m[0];
	mp[1] = &m[1];
	ok(sms_join(mp, 2, &joined, &cause) == 0 && strcmp(joined, s) == 0,
	    "parts given out of order join");
	free(joined);
	rc = sms_join(mp, 1, &joined, &cause);
	ok(rc == -1 && cause != NULL &&
	    strstr(cause, "missing") != NULL, "a missing part: %s",
	    cause ? cause : "-");
	free(cause);
	cause = NULL;
	mp[1] = &m[0];
	rc = sms_join(mp, 2, &joined, &cause);
	ok(rc == -1 && cause != NULL &&
	    strstr(cause, "twice") != NULL, "a part twice: %s",
	    cause ? cause : "-");
	free(cause);
	cause = NULL;
	sms_msg_free(&m[0]);
	sms_msg_free(&m[1]);
	sms_pdus_free(p, n);
	free(s);

	/* a phone split 😀 (D83D DE00) between parts 1 and 2 */
	ok(sms_decode("00440B916407281553F8000862216001020323"
	    "0A0500035A02010041D83D", 1, 0, &m[0], &cause) == 0 &&
	    sms_decode("00440B916407281553F8000862216001020323"
	    "0A0500035A0202DE000042", 1, 0, &m[1], &cause) == 0,
	    "two parts with a split surrogate pair decode");
	is_str(m[0].text, "A", "part 1 keeps the high half aside");
	is_str(m[1].text, "B", "part 2 keeps the low half aside");
	mp[0] = &m[1];
	mp[1] = &m[0];
	ok(sms_join(mp, 2, &joined, &cause) == 0 &&
	    strcmp(joined, "A😀B") == 0, "joined, the pair is whole again");
	free(joined);
	joined = NULL;
	mp[0] = &m[0];
	m[1].lo_head = 0;
	mp[1] = &m[1];
	ok(sms_join(mp, 2, &joined, &cause) == 0 &&
	    strcmp(joined, "A\xef\xbf\xbd" "B") == 0,
	    "a half without its other half reads U+FFFD");
	free(joined);
	sms_msg_free(&m[0]);
	sms_msg_free(&m[1]);

	ok(sms_encode_status(0x2c, "+8613912345678", "261206102030",
	    "261206102035", -20, 0x00, &st, &cause) == 0,
	    "status report encodes");
	ok(sms_decode(st.hex, 1, 0, &m[2], &cause) == 0 &&
	    m[2].type == SMS_STATUS && m[2].mr == 0x2c && m[2].status == 0,
	    "status report: MR 44, delivered");
	is_str(m[2].dt, "2026-12-06 10:20:35 -05:00", "discharge time, zone");
	sms_msg_free(&m[2]);
	free(st.hex);
}

static void
malformed(void)
{
	static const struct {
		const char *hex;
		int mo;
		const char *why;
	} bad[] = {
		{ "", 0, "even number" },
		{ "0", 0, "even number" },
		{ "00G4", 0, "non-hex" },
		{ "0004", 0, "inside an address length" },
		{ "00040B91", 0, "inside an address" },
		{ "00040B916407281553F80000", 0, "time stamp" },
		{ "00040B916407281553F8000099309251619580FF", 0, "over 140" },
		{ "00040B916407281553F80000993092516195800AE832", 0,
		  "the user data" },
		{ "0001000B916407281553F8000005", 1, "the user data" },
		{ "0001000B916407281553F80000", 0, "receives" },
		{ "0004", 1, "sends" },
		{ "0041000B916407281553F800080209FF", 1, "longer than" },
		{ "0001000B916407281553F8002401", 1, "compressed" },
		{ "0C91", 0, "address length" },
	};
	struct sms_msg m;
	char *cause;
	size_t i;
	int rc;

	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		rc = sms_decode(bad[i].hex, 1, bad[i].mo, &m, &cause);
		ok(rc == -1 &&
		    cause != NULL && strstr(cause, bad[i].why) != NULL,
		    "\"%s\" refused: %s", bad[i].hex, cause ? cause : "-");
		free(cause);
	}
}

int
main(void)
{
	golden_encode();
	golden_decode();
	extension();
	boundaries();
	counting();
	options();
	inbound();
	malformed();
	return tap_done();
}
