/*
 * fuzz-pdu.c: the SMS PDU decoder (src/msg/sms.c) on arbitrary input:
 * the bytes as hex in both directions with and without the SMSC field,
 * the raw input itself as hex text, and every decoded message joined and
 * re-encoded (what decodes must have valid UTF-8 text that encodes).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "msg/sms.h"
#include "fuzz.h"

static void
one(const char *hex, int has_smsc, int mo)
{
	struct sms_submit_opts o = { .to = "+8613800138000" };
	const struct sms_msg *mp[1];
	struct sms_count c;
	struct sms_pdu *p;
	struct sms_msg m;
	char *cause = NULL, *text = NULL;
	size_t n;

	if (sms_decode(hex, has_smsc, mo, &m, &cause) == -1) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (m.text == NULL || strlen(m.addr) >= sizeof m.addr)
		abort();
	mp[0] = &m;
	if (sms_join(mp, 1, &text, &cause) == 0)
		free(text);
	else
		free(cause);
	cause = NULL;
	/* decoded text is UTF-8: it must count and encode */
	if (m.coding != SMS_8BIT) {
		if (sms_count(m.text, &c, &cause) == -1)
			abort();
		if (sms_encode_submit(m.text, &o, &p, &n, &cause) == 0)
			sms_pdus_free(p, n);
		else
			free(cause);    /* only over 255 parts may fail */
	}
	sms_msg_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hx[] = "0123456789ABCDEF";
	char *hex, *raw;
	size_t i;

	if (size > 400)
		return 0;
	hex = xmalloc(2 * size + 1);
	for (i = 0; i < size; i++) {
		hex[2 * i] = hx[data[i] >> 4];
		hex[2 * i + 1] = hx[data[i] & 0xf];
	}
	hex[2 * size] = '\0';
	one(hex, 1, 0);
	one(hex, 1, 1);
	one(hex, 0, 0);
	one(hex, 0, 1);
	free(hex);
	raw = xstrndup((const char *)data, size);
	one(raw, 1, 0);
	one(raw, 0, 1);
	free(raw);
	return 0;
}
