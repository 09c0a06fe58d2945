## conf: kefu.conf option table and loader.  Depends on util.
libkefu_a_SOURCES += \
	src/conf/conf.h \
	src/conf/conf.c

check_PROGRAMS += t/unit/conf
TESTS += t/unit/conf
t_unit_conf_SOURCES = t/unit/conf.c t/tap.h
t_unit_conf_LDADD = $(KEFU_LIBS)
