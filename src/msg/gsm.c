/*
 * gsm.c: sending SMS through a GSM modem in 3GPP TS 27.005 PDU mode, on
 * the one AT engine kefu has (line/at.c: send, prompt, final result,
 * unsolicited lines aside).  The PDUs come from sms.c; this file only
 * talks to the modem.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "line/at.h"
#include "msg/sms.h"

#define GSM_CMD_MS     5000     /* an ordinary command */
#define GSM_PROMPT_MS  5000     /* AT+CMGS=<n> to "> " */
#define GSM_SUBMIT_MS  60000    /* Ctrl-Z to +CMGS: the network's pace */

int
gsm_setup(struct at *at, const char *pin, char **cause)
{
	struct strbuf info = STRBUF_INIT;
	enum at_res r;
	char *cmd;
	int rc;

	if (at_ok(at, "ATE0", GSM_CMD_MS, cause) == -1 ||
	    at_ok(at, "AT+CMEE=1", GSM_CMD_MS, cause) == -1 ||
	    at_cmd(at, "AT+CPIN?", GSM_CMD_MS, &info, &r, cause) == -1) {
		sb_free(&info);
		return -1;
	}
	if (strstr(sb_str(&info), "SIM PIN") != NULL) {
		if (pin == NULL || *pin == '\0') {
			sb_free(&info);
			return kf_error(cause, "%s: the SIM wants a PIN and "
			    "none is configured", at->tag);
		}
		cmd = xasprintf("AT+CPIN=\"%s\"", pin);
		rc = at_cmd(at, cmd, GSM_CMD_MS, NULL, &r, cause);
		free(cmd);
		if (rc == -1 || r != AT_R_OK) {
			sb_free(&info);
			return rc == -1 ? -1 : kf_error(cause, "%s: the SIM "
			    "refused the PIN (%s); check it before the SIM "
			    "locks", at->tag, at->final);
		}
	} else if (strstr(sb_str(&info), "READY") == NULL) {
		rc = kf_error(cause, "%s: the SIM is not ready (%s)", at->tag,
		    info.len > 0 ? sb_str(&info) : at->final);
		sb_free(&info);
		return rc;
	}
	sb_free(&info);
	return at_ok(at, "AT+CMGF=0", GSM_CMD_MS, cause);
}

/* One part: prompt, PDU, Ctrl-Z, +CMGS: <mr>.  The MR or -1. */
static int
gsm_part(struct at *at, const struct sms_pdu *p, char **cause)
{
	struct strbuf info = STRBUF_INIT;
	char cmd[32], *why = NULL;
	const char *mr;
	enum at_res r;
	int v;

	snprintf(cmd, sizeof cmd, "AT+CMGS=%u", p->tpdu_len);
	if (at_prompt(at, cmd, GSM_PROMPT_MS, &r, cause) == -1)
		return -1;
	log_debug("%s: >> %s^Z", at->tag, p->hex);
	if (port_puts(at->port, p->hex, 2000, &why) == -1 ||
	    port_puts(at->port, "\x1a", 2000, &why) == -1) {
		kf_error(cause, "%s: writing the PDU: %s", at->tag, why);
		free(why);
		return -1;
	}
	if (at_cmd(at, NULL, GSM_SUBMIT_MS, &info, &r, cause) == -1) {
		sb_free(&info);
		return -1;
	}
	if (r != AT_R_OK) {
		sb_free(&info);
		return kf_error(cause, "%s", at->final);
	}
	mr = strstr(sb_str(&info), "+CMGS:");
	if (mr == NULL || sscanf(mr + 6, "%d", &v) != 1 || v < 0 || v > 255) {
		kf_error(cause, "OK without a +CMGS: <mr> line");
		sb_free(&info);
		return -1;
	}
	sb_free(&info);
	return v;
}

int
gsm_send(struct at *at, const char *text, const struct sms_submit_opts *o,
    int *mrs, size_t max, size_t *nsent, char **cause)
{
	struct sms_pdu *p;
	char *why = NULL;
	size_t n, i;
	int mr, rc = 0;

	*nsent = 0;
	if (sms_encode_submit(text, o, &p, &n, cause) == -1)
		return -1;
	if (n > 1 && at_ok(at, "AT+CMMS=2", GSM_CMD_MS, cause) == -1) {
		sms_pdus_free(p, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((mr = gsm_part(at, &p[i], &why)) == -1) {
			rc = kf_error(cause, "%s: part %zu of %zu to %s: %s",
			    at->tag, i + 1, n, o->to, why);
			free(why);
			break;
		}
		if (i < max)
			mrs[i] = mr;
		(*nsent)++;
	}
	sms_pdus_free(p, n);
	return rc;
}
