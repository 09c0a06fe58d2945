/*
 * slip: delivery slips rendered and printed -- PDF pages laid out by
 * pango and written by cairo (a CJK font embedded), plain text for
 * ESC/POS receipt printers in GB18030 at 32, 42 or 48 columns, a batch
 * of a slot grouped by area with one summary per area, and the job sent
 * to a CUPS queue (libcups); slip_print_run ties them to the store so
 * that a slip is counted printed only once the queue accepted it.
 *
 * It reads and records slips only through store/ (store_slip_*) and must
 * not know about lines, flows or calls.  Depends on util, conf, store.
 */
#ifndef KEFU_SLIP_H
#define KEFU_SLIP_H

#include <stddef.h>

struct strbuf;
struct store_slip;
struct db_source;

/* The font pango asks fontconfig for (any CJK font will do). */
#define SLIP_FONT "WenQuanYi Micro Hei, Noto Sans CJK SC, sans"

/* Receipt widths an ESC/POS printer offers (58 mm: 32, 80 mm: 42/48). */
#define SLIP_COLS_OK(c) ((c) == 32 || (c) == 42 || (c) == 48)

/*
 * The reprint number a slip says ("补打 REPRINT N"): 0 on its first print;
 * N once N prints were accepted, or a print started and was never
 * confirmed (it may have come out).
 */
int slip_reprint_no(const struct store_slip *s);

/* text.c */
/* Display columns of UTF-8 text: CJK and fullwidth characters count 2. */
size_t slip_text_width(const char *s);
/*
 * Wrap UTF-8 text into lines of at most cols columns (words of Latin
 * letters kept whole where they fit, CJK broken between characters) and
 * append each line, indented by indent spaces, with '\n'.
 */
void slip_text_wrap(struct strbuf *out, const char *s, size_t cols,
    size_t indent);
/* One slip as UTF-8 text, cols wide. */
void slip_text(struct strbuf *out, const struct store_slip *s, int cols);
/*
 * Slips as text for a receipt printer: GB18030, cols wide; with escpos,
 * each framed by ESC @ (initialise) and GS V 66 0 (feed and cut).
 */
int slip_text_gb18030(struct strbuf *out, const struct store_slip *s,
    size_t n, int cols, int escpos, char **cause);

/* pdf.c */
/*
 * Slips as one PDF (A5 pages): with summary, before the slips of each
 * area a summary of that area (orders, customers, items and their
 * counts) on one page or more.  Appends the document to out.
 */
int slip_pdf(struct strbuf *out, const struct store_slip *s, size_t n,
    int summary, size_t *pages, char **cause);

/* cups.c */
/*
 * Whether CUPS queue printer can take a job now: 0 when it is idle or
 * printing and accepting jobs; -1 with *cause saying why not (no such
 * queue, stopped, not accepting, out of paper, offline).
 */
int slip_cups_ready(const char *printer, char **cause);
/* Send a PDF as one job; 0 once the queue accepted it, *job its id. */
int slip_cups_print(const char *printer, const char *title,
    const struct strbuf *pdf, int *job, char **cause);

/* run.c */
struct slip_run {
	const char *printer;    /* CUPS queue; NULL: render only */
	const char *pdf_path;   /* write the PDF here ("-": stdout), or NULL */
	const char *text_path;  /* write receipt text here ("-": stdout) */
	int text_cols;          /* 32, 42 or 48 */
	int escpos;             /* frame the text with ESC/POS commands */
	int summary;            /* a summary page per area (batches) */
	int claim;              /* skip slips another print has in hand or
				   printed (kefud, batches); else print
				   them as reprints (orders by number) */
	int stale_ms;           /* a claim older than this is in doubt */
	/* filled in */
	size_t slips, pages;    /* in the document */
	int job;                /* the CUPS job id, 0: none */
};
/*
 * Issue a slip number for each slip, claim (with r->claim), render, send
 * to the printer and, once the queue accepted the job, count each slip
 * printed.  A queue that cannot take the job now leaves every slip as it
 * was (unprinted) and returns -1 with *cause.  Slips skipped by a claim
 * are dropped from the document.  Without a printer nothing is counted.
 */
int slip_print_run(struct db_source *src, struct store_slip *s, size_t n,
    struct slip_run *r, char **cause);
/*
 * What kefud calls at a slot's cut-off and after: print the slot's slips
 * that were never printed, claimed, to printer, with a summary per area.
 * *printed gets how many; 0 with nothing to print.
 */
int slip_print_slot(struct db_source *src, const char *printer,
    const char *date, const char *slot, size_t *printed, char **cause);

#endif
