## line: the line contract (line.h), the line thread and state machine,
## and the V.253 voice-modem driver with its parsers.  Depends on port,
## audio_fmt.h, conf and util.
libkefu_a_SOURCES += \
	src/line/line.h \
	src/line/line-int.h \
	src/line/at.h \
	src/line/line.c \
	src/line/modem.c \
	src/line/sim.c \
	src/line/at.c \
	src/line/dle.c \
	src/line/callerid.c \
	src/line/family.c

# `kefu modem list|probe` (the cli row is in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-modem.c

check_PROGRAMS += t/unit/dle t/unit/at t/unit/callerid t/unit/line
TESTS += t/unit/dle t/unit/at t/unit/callerid t/unit/line
t_unit_dle_SOURCES = t/unit/dle.c t/tap.h
t_unit_dle_LDADD = $(KEFU_LIBS)
t_unit_at_SOURCES = t/unit/at.c t/tap.h
t_unit_at_LDADD = $(KEFU_LIBS)
t_unit_callerid_SOURCES = t/unit/callerid.c t/tap.h
t_unit_callerid_LDADD = $(KEFU_LIBS)
t_unit_line_SOURCES = t/unit/line.c t/tap.h
t_unit_line_LDADD = $(KEFU_LIBS)

# End to end through the modem simulator (t/sim).
check_PROGRAMS += t/unit/line-modem t/unit/line-hangup t/unit/line-hangup2 \
	t/unit/line-fault t/unit/line-hangup-cx t/unit/line-hangup-usr
TESTS += t/unit/line-modem t/unit/line-hangup t/unit/line-hangup2 \
	t/unit/line-fault t/unit/line-hangup-cx t/unit/line-hangup-usr
t_unit_line_modem_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_modem_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
t_unit_line_hangup_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_hangup_CPPFLAGS = $(AM_CPPFLAGS) -DLINE_MODEM_PART=2
t_unit_line_hangup_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
t_unit_line_hangup2_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_hangup2_CPPFLAGS = $(AM_CPPFLAGS) -DLINE_MODEM_PART=4
t_unit_line_hangup2_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# every hang-up signal in every state, one family each (timed)
t_unit_line_hangup_cx_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_hangup_cx_CPPFLAGS = $(AM_CPPFLAGS) -DLINE_MODEM_PART=5
t_unit_line_hangup_cx_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
t_unit_line_hangup_usr_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_hangup_usr_CPPFLAGS = $(AM_CPPFLAGS) -DLINE_MODEM_PART=6
t_unit_line_hangup_usr_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
t_unit_line_fault_SOURCES = t/unit/line-modem.c t/tap.h
t_unit_line_fault_CPPFLAGS = $(AM_CPPFLAGS) -DLINE_MODEM_PART=3
t_unit_line_fault_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)

# `kefu modem` end to end (runs the built kefu against the simulator).
check_PROGRAMS += t/unit/line-cli
TESTS += t/unit/line-cli
t_unit_line_cli_SOURCES = t/unit/line-cli.c t/tap.h
t_unit_line_cli_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)

man_MANS += man/kefu-modems.7 man/kefud.8
EXTRA_DIST += man/kefu-modems.7 man/kefud.8

# The simulated line (sim.c) through its socket.
check_PROGRAMS += t/unit/line-sim
TESTS += t/unit/line-sim
t_unit_line_sim_SOURCES = t/unit/line-sim.c t/tap.h
t_unit_line_sim_LDADD = $(KEFU_LIBS)

# kefud itself on a simulated line, driven by `kefu call --line`.
TESTS += t/kefud.sh
dist_check_SCRIPTS += t/kefud.sh
EXTRA_DIST += t/tap.sh
