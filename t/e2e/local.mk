## e2e: calls through the simulated modem into the whole of kefu.
check_PROGRAMS += t/e2e/call t/e2e/services
TESTS += t/e2e/call t/e2e/services
t_e2e_call_SOURCES = t/e2e/call.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_call_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
t_e2e_services_SOURCES = t/e2e/services.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_services_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# hangup: every hang-up signal while playing and collecting keys, timed
check_PROGRAMS += t/e2e/hangup
TESTS += t/e2e/hangup
t_e2e_hangup_SOURCES = t/e2e/hangup.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_hangup_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# outage: the catalog on PostgreSQL behind a proxy (down, frozen, back), reloads
check_PROGRAMS += t/e2e/outage
TESTS += t/e2e/outage
t_e2e_outage_SOURCES = t/e2e/outage.c t/e2e/e2e.c t/e2e/e2e.h t/churn.c t/churn.h t/proxy.c \
	t/proxy.h t/tap.h
t_e2e_outage_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# member: the members' phone services (register, identify, SMS, PIN, lockout)
check_PROGRAMS += t/e2e/member
TESTS += t/e2e/member
t_e2e_member_SOURCES = t/e2e/member.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_member_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# visit: after-sales home visits booked and cancelled by phone
check_PROGRAMS += t/e2e/visit
TESTS += t/e2e/visit
t_e2e_visit_SOURCES = t/e2e/visit.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_visit_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
# desk: a complaint recorded, routed, answered by SMS and closed; staff
# schedule and PIN lockout; a notice recorded by phone, then heard
check_PROGRAMS += t/e2e/desk
TESTS += t/e2e/desk
t_e2e_desk_SOURCES = t/e2e/desk.c t/e2e/e2e.c t/e2e/e2e.h t/tap.h
t_e2e_desk_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)
