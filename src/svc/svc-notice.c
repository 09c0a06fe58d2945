/*
 * svc-notice.c: the store's own notices, asked from flows as mappings
 * named kefu.notice.* (kefu-flow(5), BUILT-IN SERVICES): the notices
 * valid today for callers (flows/notices.xml, before the retailer's),
 * and a notice recorded by phone by a staff member of role desk or
 * admin (flows/staff.xml), its recording checked as kefu notice add
 * checks a file (audio/import.c).  The SQL is in store/notice.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "svc/svc.h"
#include "conf/conf.h"
#include "store/store.h"

#define NOTICE_MAX_AHEAD 30     /* days: the latest a notice may start */
#define NOTICE_MAX_DAYS 90      /* days a notice by phone may last */

/* kefu.notice.current: the notices valid today, latest first. */
static enum flow_outcome
svc_notice_current(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	struct store_notice *v;
	struct db_source *src;
	char today[11], id[24];
	size_t n, i;

	(void)in;
	(void)nin;
	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	catalog_today(today);
	if (store_notice_current(src, today, &v, &n, cause) == -1)
		return FLOW_Q_ERROR;
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%lld", (long long)v[i].id);
		svc_builtin_row(b, rows, (const char *[]){ id,
		    v[i].body ? v[i].body : "", v[i].audio ? v[i].audio : "",
		    v[i].until });
	}
	store_notice_free(v, n);
	if (n == 0) {
		kf_error(cause, "no notice of the store's own today");
		return FLOW_Q_EMPTY;
	}
	return FLOW_Q_FOUND;
}

/* A recording of this kefud's spool, fit to be heard; 0 or -1. */
static int
svc_notice_recording(struct svc *svc, const char *path, unsigned *ms,
    char **cause)
{
	const char *spool = svc->conf->spool_dir;
	size_t n = strlen(spool);
	struct audio_pcm pcm;
	int rc;

	if (strncmp(path, spool, n) != 0 || path[n] != '/' ||
	    strstr(path, "/../") != NULL)
		return kf_error(cause, "the recording %s is not in the spool "
		    "%s", path, spool);
	if (recording_length(path, ms, cause) == -1)
		return -1;
	if (*ms > AUDIO_IMPORT_MAX_MS)
		return kf_error(cause, "%s: too long (%u s)", path, *ms / 1000);
	if (wav_read(path, &pcm, cause) == -1)
		return -1;
	rc = audio_level_check(&pcm, path, cause);
	pcm_free(&pcm);
	return rc;
}

/* Days from today as keyed: 0 to max; -1 when not. */
static int
svc_notice_days(const char *s, int min, int max)
{
	const char *err;
	long long v;

	if (s == NULL || str_tonum(s, min, max, &v, &err) == -1)
		return -1;
	return (int)v;
}

/*
 * kefu.notice.publish: a recording made on this call becomes a notice,
 * valid from `from` days after today for `days` days.
 */
static enum flow_outcome
svc_notice_publish(struct svc *svc, const struct svc_builtin *b,
    const struct flow_kv *in, size_t nin, struct flow_rows *rows,
    char **cause)
{
	const char *rec = svc_builtin_arg(in, nin, "recording");
	const char *no = svc_builtin_arg(in, nin, "staff_no");
	const char *call = svc_builtin_arg(in, nin, "call");
	int from = svc_notice_days(svc_builtin_arg(in, nin, "from"), 0,
	    NOTICE_MAX_AHEAD);
	int days = svc_notice_days(svc_builtin_arg(in, nin, "days"), 1,
	    NOTICE_MAX_DAYS);
	struct store_notice n;
	struct db_source *src;
	char today[11], id[24], nowbuf[STORE_STAMP_LEN];
	const char *now;
	int may;

	if ((src = svc_builtin_store(svc, cause)) == NULL)
		return FLOW_Q_DOWN;
	if ((may = store_notice_may_publish(src, no, cause)) == -1)
		return FLOW_Q_ERROR;
	if (may == 0) {
		kf_error(cause, "staff %s may not publish notices (role desk "
		    "or admin needed: kefu staff set %s --role desk)", no, no);
		return FLOW_Q_EMPTY;
	}
	memset(&n, 0, sizeof n);
	now = store_stamp_now(NULL, nowbuf);    /* the dates' and stamp's */
	snprintf(today, sizeof today, "%.10s", now);
	if (from == -1 || days == -1 ||
	    demo_date_add(today, from, n.from) == -1 ||
	    demo_date_add(n.from, days - 1, n.until) == -1) {
		kf_error(cause, "notice: from %s days on for %s days: from 0 "
		    "to %d, for 1 to %d", svc_builtin_arg(in, nin, "from"),
		    svc_builtin_arg(in, nin, "days"), NOTICE_MAX_AHEAD,
		    NOTICE_MAX_DAYS);
		return FLOW_Q_MANY;
	}
	if (svc_notice_recording(svc, rec, &n.audio_ms, cause) == -1)
		return FLOW_Q_INVALID;
	n.audio = (char *)rec;
	n.by = (char *)no;
	n.via = "phone";
	n.call = call != NULL && *call != '\0' ? (char *)call : NULL;
	if (store_notice_add(src, &n, now, cause) == -1)
		return FLOW_Q_ERROR;
	snprintf(id, sizeof id, "%lld", (long long)n.id);
	svc_builtin_row(b, rows, (const char *[]){ id, n.from, n.until });
	return FLOW_Q_FOUND;
}

const struct svc_builtin svc_builtins_notice[SVC_BUILTINS_NOTICE] = {
	{
		.name = "kefu.notice.current",
		.what = "the store's own notices valid today, latest first",
		.nparams = 0,
		.nouts = 4,
		.outs = { { "notice_id", FLOW_T_INTEGER },
		    { "notice_text", FLOW_T_TEXT },
		    { "notice_audio", FLOW_T_RECORDING },
		    { "notice_until", FLOW_T_DATE } },
		.many = 1,
		.run = svc_notice_current,
	},
	{
		.name = "kefu.notice.publish",
		.what = "publish a notice recorded on this call (staff of "
		    "role desk or admin)",
		.nparams = 5,
		.params = { { "recording", FLOW_T_RECORDING, 0 },
		    { "staff_no", FLOW_T_DIGITS, 0 },
		    { "from", FLOW_T_INTEGER, 0 },
		    { "days", FLOW_T_INTEGER, 0 }, { "call", FLOW_T_TEXT, 1 } },
		.nouts = 3,
		.outs = { { "notice_id", FLOW_T_INTEGER },
		    { "notice_from", FLOW_T_DATE },
		    { "notice_until", FLOW_T_DATE } },
		.run = svc_notice_publish,
	},
};
