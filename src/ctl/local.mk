## ctl: kefud's control socket (server and client).  Depends on util.
libkefu_a_SOURCES += \
	src/ctl/ctl.h \
	src/ctl/ctl.c

check_PROGRAMS += t/unit/ctl
TESTS += t/unit/ctl
t_unit_ctl_SOURCES = t/unit/ctl.c t/tap.h
t_unit_ctl_LDADD = $(KEFU_LIBS)
