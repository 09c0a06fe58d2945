## util: memory, strings, time, log, INI reader.  Depends on nothing.
libkefu_a_SOURCES += \
	src/util/util.h \
	src/util/xmem.c \
	src/util/str.c \
	src/util/time.c \
	src/util/log.c \
	src/util/ini.c

check_PROGRAMS += t/unit/util
TESTS += t/unit/util
t_unit_util_SOURCES = t/unit/util.c t/tap.h
t_unit_util_LDADD = $(KEFU_LIBS)
