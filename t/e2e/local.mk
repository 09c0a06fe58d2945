## e2e: calls through the simulated modem into the whole of kefu.
check_PROGRAMS += t/e2e/call
TESTS += t/e2e/call
t_e2e_call_SOURCES = t/e2e/call.c t/tap.h
t_e2e_call_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
