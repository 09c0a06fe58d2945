## util: memory, strings, time, log, INI reader, and the XML loaders'
## common ground (xml.c, libxml2).  Depends on nothing else of kefu.
libkefu_a_SOURCES += \
	src/util/util.h \
	src/util/xmem.c \
	src/util/str.c \
	src/util/time.c \
	src/util/log.c \
	src/util/ini.c \
	src/util/strmap.c \
	src/util/csv.c \
	src/util/priv.c \
	src/util/xml.h \
	src/util/xml.c

check_PROGRAMS += t/unit/util
TESTS += t/unit/util
t_unit_util_SOURCES = t/unit/util.c t/tap.h
t_unit_util_LDADD = $(KEFU_LIBS)
