## flow: call flows (flows/*.xml): loader, checker, drawing, digit
## collector, interpreter and the scripted channel.  kefu-flow(5).
libkefu_a_SOURCES += \
	src/flow/flow.h \
	src/flow/flow-int.h \
	src/flow/load.c \
	src/flow/digits.c \
	src/flow/check.c \
	src/flow/graph.c \
	src/flow/run.c \
	src/flow/script.c \
	src/cli/cmd-flow.c

nobase_dist_pkgdata_DATA += \
	flows/flow.rng \
	flows/main.xml \
	flows/price.xml \
	flows/promotions.xml \
	flows/notices.xml \
	flows/identify.xml \
	flows/member.xml

check_PROGRAMS += t/unit/flow-load
TESTS += t/unit/flow-load
t_unit_flow_load_SOURCES = t/unit/flow-load.c t/tap.h
t_unit_flow_load_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/flow-digits
TESTS += t/unit/flow-digits
t_unit_flow_digits_SOURCES = t/unit/flow-digits.c t/tap.h
t_unit_flow_digits_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/flow-check
TESTS += t/unit/flow-check
t_unit_flow_check_SOURCES = t/unit/flow-check.c t/unit/flow-fake.h t/tap.h
t_unit_flow_check_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/flow-run
TESTS += t/unit/flow-run
t_unit_flow_run_SOURCES = t/unit/flow-run.c t/unit/flow-fake.h t/tap.h
t_unit_flow_run_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/flow-real
TESTS += t/unit/flow-real
t_unit_flow_real_SOURCES = t/unit/flow-real.c t/tap.h
t_unit_flow_real_LDADD = $(KEFU_LIBS)

TESTS += t/flow-cli.sh
dist_check_SCRIPTS += t/flow-cli.sh

man_MANS += man/kefu-flow.5

EXTRA_DIST += man/kefu-flow.5
EXTRA_DIST += \
	t/data/flow/good/main.xml \
	t/data/flow/good/sub.xml \
	t/data/flow/good/sayerr.xml \
	t/data/flow/good/pages.xml \
	t/data/flow/good/offer.xml \
	t/data/flow/good/gone.xml \
	t/data/flow/good/gone_loop.xml \
	t/data/flow/check/hangup_speaks.xml \
	t/data/flow/check/hangup_unset.xml \
	t/data/flow/bad/hangup.xml \
	t/data/flow/bad/pager.xml \
	t/data/flow/check/play_lang.xml \
	t/data/flow/check/page_prompt.xml \
	t/data/flow/bad/malformed.xml \
	t/data/flow/bad/schema.xml \
	t/data/flow/bad/target.xml \
	t/data/flow/bad/dupid.xml \
	t/data/flow/bad/decimals.xml \
	t/data/flow/check/missing_prompt.xml \
	t/data/flow/check/unknown_map.xml \
	t/data/flow/check/param_type.xml \
	t/data/flow/check/unset_var.xml \
	t/data/flow/check/no_timeout.xml \
	t/data/flow/check/unreachable.xml \
	t/data/flow/check/output_unset.xml \
	t/data/flow/check/foreach_one.xml

# flows/complaint.xml: cases by voice message (menu item 6).
nobase_dist_pkgdata_DATA += flows/complaint.xml
