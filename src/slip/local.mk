## slip: delivery slips rendered (PDF through cairo + pango, GB18030 text
## for receipt printers) and printed through CUPS; their tests.
libkefu_a_SOURCES += \
	src/slip/slip.h \
	src/slip/text.c \
	src/slip/pdf.c \
	src/slip/cups.c \
	src/slip/run.c

## The kefu slip command (a row in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-slip.c

TESTS += t/slip-text.sh t/slip-print.sh t/kefud-slips.sh
dist_check_SCRIPTS += t/slip-text.sh t/slip-print.sh t/kefud-slips.sh
EXTRA_DIST += t/data/slip/orders.sql t/data/slip/setup.sh

man_MANS += man/kefu-slip.1 man/kefu-slips.7
EXTRA_DIST += man/kefu-slip.1 man/kefu-slips.7

# store/slip.c on SQLite, PostgreSQL and MariaDB
check_PROGRAMS += t/unit/store-slip
TESTS += t/unit/store-slip
t_unit_store_slip_SOURCES = t/unit/store-slip.c t/tap.h
t_unit_store_slip_LDADD = $(KEFU_LIBS)
