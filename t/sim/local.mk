## modem simulator (t/sim): a V.253 voice modem on a pty for tests and
## demos.  Independent of src/line and src/port on purpose.  Users
## include "../sim/modemsim.h" (from t/e2e, t/unit, bench) and link
## t/sim/libmodemsim.a before $(KEFU_LIBS).  Built by plain `make` too
## (noinst) so that demos can run t/sim/modemsim.
noinst_LIBRARIES += t/sim/libmodemsim.a
t_sim_libmodemsim_a_SOURCES = t/sim/modemsim.c t/sim/modemsim.h

noinst_PROGRAMS += t/sim/modemsim
t_sim_modemsim_SOURCES = t/sim/modemsim-main.c
t_sim_modemsim_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
EXTRA_DIST += t/sim/modemsim.1

check_PROGRAMS += t/unit/modemsim
TESTS += t/unit/modemsim
t_unit_modemsim_SOURCES = t/unit/modemsim.c t/tap.h
t_unit_modemsim_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)

## GSM simulator (t/sim/gsmsim): an SMS modem in 27.005 PDU mode on a pty.
## It decodes what it gets with kefu's codec (msg/sms.h), so it links
## libkefu; it shares nothing with line/ or port/.
noinst_LIBRARIES += t/sim/libgsmsim.a
t_sim_libgsmsim_a_SOURCES = t/sim/gsmsim.c t/sim/gsmsim.h
noinst_PROGRAMS += t/sim/gsmsim
t_sim_gsmsim_SOURCES = t/sim/gsmsim-main.c
t_sim_gsmsim_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)
EXTRA_DIST += t/sim/gsmsim.1

check_PROGRAMS += t/unit/gsmsim
TESTS += t/unit/gsmsim
t_unit_gsmsim_SOURCES = t/unit/gsmsim.c t/tap.h
t_unit_gsmsim_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)
CLEANFILES += gsmsim-pdus.tsv gsmsim-node-pdu.log gsmsim-libgammu.log
