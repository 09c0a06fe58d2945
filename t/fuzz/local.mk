## fuzz targets: libFuzzer targets for every parser of modem output
## (owned by line/), the simulated line and control-socket protocols,
## kefu.conf, SMS PDUs, and the XML loaders (flows, mappings, adapters, prompt
## catalogs, say rules).  t/fuzz/build.sh builds them with clang -fsanitize=fuzzer
## and t/fuzz/run.sh runs them; here each is also built with replay.c so
## that `make check` runs the seed corpus through it.
FUZZ_REPLAY_SOURCES = t/fuzz/replay.c t/fuzz/fuzz.h t/tap.h
check_PROGRAMS += t/fuzz/replay-dle t/fuzz/replay-at t/fuzz/replay-callerid \
	t/fuzz/replay-vsm t/fuzz/replay-sim t/fuzz/replay-ctl \
	t/fuzz/replay-conf t/fuzz/replay-xml t/fuzz/replay-pdu
TESTS += t/fuzz/replay-dle t/fuzz/replay-at t/fuzz/replay-callerid \
	t/fuzz/replay-vsm t/fuzz/replay-sim t/fuzz/replay-ctl \
	t/fuzz/replay-conf t/fuzz/replay-xml t/fuzz/replay-pdu
t_fuzz_replay_dle_SOURCES = t/fuzz/fuzz-dle.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_dle_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"dle"'
t_fuzz_replay_dle_LDADD = $(KEFU_LIBS)
t_fuzz_replay_at_SOURCES = t/fuzz/fuzz-at.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_at_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"at"'
t_fuzz_replay_at_LDADD = $(KEFU_LIBS)
t_fuzz_replay_callerid_SOURCES = t/fuzz/fuzz-callerid.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_callerid_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"callerid"'
t_fuzz_replay_callerid_LDADD = $(KEFU_LIBS)
t_fuzz_replay_vsm_SOURCES = t/fuzz/fuzz-vsm.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_vsm_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"vsm"'
t_fuzz_replay_vsm_LDADD = $(KEFU_LIBS)
t_fuzz_replay_sim_SOURCES = t/fuzz/fuzz-sim.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_sim_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"sim"'
t_fuzz_replay_sim_LDADD = $(KEFU_LIBS)
t_fuzz_replay_ctl_SOURCES = t/fuzz/fuzz-ctl.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_ctl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ctl"'
t_fuzz_replay_ctl_LDADD = $(KEFU_LIBS)
t_fuzz_replay_conf_SOURCES = t/fuzz/fuzz-conf.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_conf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"conf"'
t_fuzz_replay_conf_LDADD = $(KEFU_LIBS)
t_fuzz_replay_xml_SOURCES = t/fuzz/fuzz-xml.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_xml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"xml"'
t_fuzz_replay_xml_LDADD = $(KEFU_LIBS)
t_fuzz_replay_pdu_SOURCES = t/fuzz/fuzz-pdu.c $(FUZZ_REPLAY_SOURCES)
t_fuzz_replay_pdu_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"pdu"'
t_fuzz_replay_pdu_LDADD = $(KEFU_LIBS)

dist_noinst_SCRIPTS += t/fuzz/build.sh t/fuzz/run.sh
EXTRA_DIST += \
	t/fuzz/corpus/dle/audio t/fuzz/corpus/dle/dle-dle-sub-nul \
	t/fuzz/corpus/dle/dtmf-repeats t/fuzz/corpus/dle/etx-then-ok \
	t/fuzz/corpus/dle/hangups t/fuzz/corpus/dle/lone-dle \
	t/fuzz/corpus/at/echo-connect t/fuzz/corpus/at/junk-dle \
	t/fuzz/corpus/at/ok t/fuzz/corpus/at/overlong \
	t/fuzz/corpus/at/results t/fuzz/corpus/at/ring-cid \
	t/fuzz/corpus/callerid/misc t/fuzz/corpus/callerid/private \
	t/fuzz/corpus/callerid/usr \
	t/fuzz/corpus/vsm/conexant t/fuzz/corpus/vsm/ranges \
	t/fuzz/corpus/vsm/usr \
	t/fuzz/corpus/sim t/fuzz/corpus/ctl t/fuzz/corpus/conf \
	t/fuzz/corpus/xml t/fuzz/corpus/pdu
