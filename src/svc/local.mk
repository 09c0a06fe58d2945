## call: the service joining flows, mappings, say-rules, prompts, lines
## and the call log.  Used by kefud and `kefu call`.
libkefu_a_SOURCES += \
	src/svc/svc.h \
	src/svc/svc.c \
	src/svc/builtin.c \
	src/svc/svc-member.c \
	src/svc/svc-order.c \
	src/svc/svc-campaign.c \
	src/svc/chan.c \
	src/svc/calllog.c

# svc_preload: every prompt converted into a line format before calls.
check_PROGRAMS += t/unit/call-preload
TESTS += t/unit/call-preload
t_unit_call_preload_SOURCES = t/unit/call-preload.c t/tap.h
t_unit_call_preload_LDADD = $(KEFU_LIBS)

# A prompt with lang= and no audio is spoken in its own language's voice.
check_PROGRAMS += t/unit/call-spoken
TESTS += t/unit/call-spoken
t_unit_call_spoken_SOURCES = t/unit/call-spoken.c t/tap.h
t_unit_call_spoken_LDADD = $(KEFU_LIBS)

# A PIN typed into kefud leaves no digit in its log file.
TESTS += t/kefud-secret.sh
dist_check_SCRIPTS += t/kefud-secret.sh

# The members' phone services (flows/member.xml, identify.xml) by
# scripted calls.
TESTS += t/member-flow.sh
dist_check_SCRIPTS += t/member-flow.sh
TESTS += t/member-engines-pg.sh t/member-engines-mariadb.sh
dist_check_SCRIPTS += t/member-engines.sh t/member-engines-pg.sh \
	t/member-engines-mariadb.sh
EXTRA_DIST += t/data/flow/member-bad/main.xml
## kefu.case.*: cases from callers' voice messages (store/case.c).
libkefu_a_SOURCES += src/svc/svc-case.c

# A caller's recording played back: its own samples, from the spool only.
check_PROGRAMS += t/unit/call-playback
TESTS += t/unit/call-playback
t_unit_call_playback_SOURCES = t/unit/call-playback.c t/tap.h
t_unit_call_playback_LDADD = $(KEFU_LIBS)
# Phone ordering end to end: kefud on a simulated line, the store read back.
TESTS += t/order-call.sh
dist_check_SCRIPTS += t/order-call.sh
# kefud killed (SIGKILL) at random moments of ordering calls
TESTS += t/order-kill.sh
dist_check_SCRIPTS += t/order-kill.sh
# Phone ordering end to end with the store on PostgreSQL and MariaDB
TESTS += t/order-engines-pg.sh t/order-engines-mariadb.sh
dist_check_SCRIPTS += t/order-engines.sh t/order-engines-pg.sh \
	t/order-engines-mariadb.sh
libkefu_a_SOURCES += src/svc/svc-staff.c
nobase_dist_pkgdata_DATA += flows/staff.xml
## kefu.visit.*: after-sales by phone (store/visit.c, flows/aftersales.xml).
libkefu_a_SOURCES += src/svc/svc-visit.c
nobase_dist_pkgdata_DATA += flows/aftersales.xml
libkefu_a_SOURCES += src/svc/svc-notice.c
# A notice recorded by phone by staff, then heard by another caller.
TESTS += t/notice-kefud.sh
dist_check_SCRIPTS += t/notice-kefud.sh
# A slot list asked at 23:59:59 is one day's (the clock read once).
check_PROGRAMS += t/unit/svc-midnight
TESTS += t/unit/svc-midnight
t_unit_svc_midnight_SOURCES = t/unit/svc-midnight.c t/tap.h
t_unit_svc_midnight_LDADD = $(KEFU_LIBS)
