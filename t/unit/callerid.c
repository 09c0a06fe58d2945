/*
 * callerid.c: caller ID lines as modems send them -- with and without
 * blanks around '=', P and O, missing items, junk and overlong values.
 */
#include "config.h"

#include <string.h>

#include "line/line.h"
#include "util/util.h"
#include "../tap.h"

static void
test_lines(void)
{
	static const struct {
		const char *line;
		int is_cid;
		enum line_cid_kind kind;
		const char *number, *name, *date, *time;
	} c[] = {
		{ "NMBR = 5551234567", 1, LINE_CID_NUMBER, "5551234567", "", "",
		    "" },
		{ "NMBR=5551234567", 1, LINE_CID_NUMBER, "5551234567", "", "",
		    "" },
		{ "  NMBR =5551234567  ", 1, LINE_CID_NUMBER, "5551234567", "",
		    "", "" },
		{ "NMBR = P", 1, LINE_CID_PRIVATE, "", "", "", "" },
		{ "NMBR=O", 1, LINE_CID_UNAVAILABLE, "", "", "", "" },
		{ "NMBR = ", 1, LINE_CID_UNAVAILABLE, "", "", "", "" },
		{ "NMBR = 555-123 4", 1, LINE_CID_NUMBER, "5551234", "", "",
		    "" },
		{ "NMBR=+8613912345678", 1, LINE_CID_NUMBER, "+8613912345678",
		    "", "", "" },
		{ "DDN_NMBR= 0215551234", 1, LINE_CID_NUMBER, "0215551234", "",
		    "", "" },
		{ "NAME = JOHN DOE", 1, LINE_CID_NONE, "", "JOHN DOE", "", "" },
		{ "NAME=WIRELESS CALLER", 1, LINE_CID_NONE, "",
		    "WIRELESS CALLER", "", "" },
		{ "NAME=O", 1, LINE_CID_NONE, "", "", "", "" },
		{ "DATE = 0321", 1, LINE_CID_NONE, "", "", "0321", "" },
		{ "DATE=0117", 1, LINE_CID_NONE, "", "", "0117", "" },
		{ "TIME = 1405", 1, LINE_CID_NONE, "", "", "", "1405" },
		{ "DATE = 03211405", 1, LINE_CID_NONE, "", "", "0321", "1405" },
		{ "DATE = 32", 1, LINE_CID_NONE, "", "", "", "" },
		{ "TIME=14:05", 1, LINE_CID_NONE, "", "", "", "" },
		{ "MESG = 060342", 1, LINE_CID_NONE, "", "", "", "" },
		{ "RING", 0, LINE_CID_NONE, "", "", "", "" },
		{ "OK", 0, LINE_CID_NONE, "", "", "", "" },
		{ "NMBRX = 5", 0, LINE_CID_NONE, "", "", "", "" },
		{ "= 5", 0, LINE_CID_NONE, "", "", "", "" },
		{ "", 0, LINE_CID_NONE, "", "", "", "" },
		{ "nmbr = 5", 0, LINE_CID_NONE, "", "", "", "" },
		{ "NMBR = 12345678901234567890123456789012345678901234567890",
		  1, LINE_CID_NUMBER, "12345678901234567890123456789012", "",
		    "", "" },
		{ "NAME = \x01\x7f" "A\xff" "B", 1, LINE_CID_NONE, "", "AB", "",
		    "" },
	};
	struct line_callerid cid;
	char shown[80];
	size_t i, j;

	for (i = 0; i < nitems(c); i++) {
		/* the test name, with unprintable bytes as '.' */
		for (j = 0; j < sizeof shown - 1 && c[i].line[j] != '\0'; j++)
			shown[j] = c[i].line[j] >= 0x20 && c[i].line[j] < 0x7f ?
			    c[i].line[j] : '.';
		shown[j] = '\0';
		callerid_clear(&cid);
		is_int(callerid_parse(&cid, c[i].line), c[i].is_cid,
		    "'%s' is%s caller ID", shown, c[i].is_cid ? "" : " not");
		is_int(cid.kind, c[i].kind, "'%s': kind", shown);
		is_str(cid.number, c[i].number, "'%s': number", shown);
		is_str(cid.name, c[i].name, "'%s': name", shown);
		is_str(cid.date, c[i].date, "'%s': date", shown);
		is_str(cid.time, c[i].time, "'%s': time", shown);
	}
}

static void
test_record(void)
{
	static const char *const lines[] = { "DATE=0117", "TIME=1452",
	    "NMBR=5551234567", "NAME=WIRELESS CALLER" };
	struct line_callerid cid;
	size_t i;
	char longname[200];

	callerid_clear(&cid);
	for (i = 0; i < nitems(lines); i++)
		callerid_parse(&cid, lines[i]);
	is_int(cid.kind, LINE_CID_NUMBER, "a whole record: number");
	is_str(cid.number, "5551234567", "number");
	is_str(cid.name, "WIRELESS CALLER", "name");
	is_str(cid.date, "0117", "date");
	is_str(cid.time, "1452", "time");
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	memcpy(longname, "NAME=", 5);
	callerid_parse(&cid, longname);
	is_int(strlen(cid.name), sizeof cid.name - 1, "long name is cut");
}

int
main(void)
{
	test_lines();
	test_record();
	return tap_done();
}
