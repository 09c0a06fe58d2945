/*
 * cups.c: slips sent to a CUPS queue through libcups (IPP, RFC 8011):
 * the queue's state read first (printer-state, printer-is-accepting-jobs,
 * printer-state-reasons) so that a stopped printer or one out of paper
 * leaves the slips unprinted, then one job per batch (Create-Job +
 * Send-Document, application/pdf).  The server is libcups' choice:
 * CUPS_SERVER, ~/.cups/client.conf, /etc/cups/client.conf, else local.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cups/cups.h>

#include "slip/slip.h"
#include "util/util.h"

/* printer-state-reasons that mean the paper will not come out now. */
static const char *const cups_bad_reasons[] = {
	"media-empty", "media-needed", "media-jam", "offline", "paused",
	"door-open", "cover-open", "shutdown", "stopped", NULL
};

static int
cups_reason_bad(const char *reasons)
{
	size_t i;

	for (i = 0; reasons != NULL && cups_bad_reasons[i] != NULL; i++)
		if (strstr(reasons, cups_bad_reasons[i]) != NULL)
			return 1;
	return 0;
}

int
slip_cups_ready(const char *printer, char **cause)
{
	cups_dest_t *d;
	const char *state, *acc, *why;
	int rc = 0;

	if ((d = cupsGetNamedDest(CUPS_HTTP_DEFAULT, printer, NULL)) == NULL)
		return kf_error(cause, "printer '%s': no such CUPS queue "
		    "(%s)", printer, cupsLastErrorString());
	state = cupsGetOption("printer-state", d->num_options, d->options);
	acc = cupsGetOption("printer-is-accepting-jobs", d->num_options,
	    d->options);
	why = cupsGetOption("printer-state-reasons", d->num_options,
	    d->options);
	if (state != NULL && strcmp(state, "5") == 0)
		rc = kf_error(cause, "printer '%s' is stopped (%s): slips "
		    "left unprinted until it is started (cupsenable %s)",
		    printer, why ? why : "no reason given", printer);
	else if (acc != NULL && strcmp(acc, "false") == 0)
		rc = kf_error(cause, "printer '%s' is not accepting jobs: "
		    "slips left unprinted (cupsaccept %s)", printer, printer);
	else if (cups_reason_bad(why))
		rc = kf_error(cause, "printer '%s' cannot print now (%s): "
		    "slips left unprinted", printer, why);
	cupsFreeDests(1, d);
	return rc;
}

int
slip_cups_print(const char *printer, const char *title,
    const struct strbuf *pdf, int *job, char **cause)
{
	*job = cupsCreateJob(CUPS_HTTP_DEFAULT, printer, title, 0, NULL);
	if (*job == 0)
		return kf_error(cause, "printer '%s': job refused: %s",
		    printer, cupsLastErrorString());
	if (cupsStartDocument(CUPS_HTTP_DEFAULT, printer, *job, title,
	    CUPS_FORMAT_PDF, 1) != HTTP_STATUS_CONTINUE ||
	    cupsWriteRequestData(CUPS_HTTP_DEFAULT, pdf->s, pdf->len) !=
	    HTTP_STATUS_CONTINUE ||
	    cupsFinishDocument(CUPS_HTTP_DEFAULT, printer) >
	    IPP_STATUS_OK_EVENTS_COMPLETE) {
		kf_error(cause, "printer '%s': job %d not accepted: %s",
		    printer, *job, cupsLastErrorString());
		cupsCancelJob2(CUPS_HTTP_DEFAULT, printer, *job, 0);
		*job = 0;
		return -1;
	}
	return 0;
}
