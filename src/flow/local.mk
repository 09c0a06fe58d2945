## flow: call flows (flows/*.xml): loader, checker, drawing, digit
## collector, interpreter and the scripted channel.  kefu-flow(5).
libkefu_a_SOURCES += \
	src/flow/flow.h \
	src/flow/flow_int.h \
	src/flow/load.c

nobase_dist_pkgdata_DATA += \
	flows/flow.rng \
	flows/main.xml \
	flows/price.xml \
	flows/promotions.xml \
	flows/notices.xml

check_PROGRAMS += t/unit/flow_load
TESTS += t/unit/flow_load
t_unit_flow_load_SOURCES = t/unit/flow_load.c t/tap.h
t_unit_flow_load_LDADD = $(KEFU_LIBS)

EXTRA_DIST += \
	t/data/flow/good/main.xml \
	t/data/flow/good/sub.xml \
	t/data/flow/bad/malformed.xml \
	t/data/flow/bad/schema.xml \
	t/data/flow/bad/target.xml \
	t/data/flow/bad/dupid.xml
