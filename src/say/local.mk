## say: say-rules (numbers, money, quantities, dates, times, digit strings
## spoken as prompt sequences), their data per language, `kefu say`.
libkefu_a_SOURCES += \
	src/say/say.h \
	src/say/say-int.h \
	src/say/say.c \
	src/say/load.c \
	src/cli/cmd-say.c

nobase_dist_pkgdata_DATA += \
	prompts/zh-CN/say.xml \
	prompts/zh-CN/say.rules \
	prompts/yue/say.xml \
	prompts/yue/say.rules

man_MANS += man/kefu-say.7
EXTRA_DIST += man/kefu-say.7

check_PROGRAMS += t/unit/say t/unit/say-audio
TESTS += t/unit/say t/unit/say-audio t/say-cli.sh
dist_check_SCRIPTS += t/say-cli.sh
t_unit_say_SOURCES = t/unit/say.c t/tap.h
t_unit_say_LDADD = $(KEFU_LIBS)
t_unit_say_audio_SOURCES = t/unit/say-audio.c t/tap.h
t_unit_say_audio_LDADD = $(KEFU_LIBS)
EXTRA_DIST += \
	t/data/say/zh-CN.tsv \
	t/data/say/yue.tsv \
	t/data/say/variant.rules \
	t/data/say/variant.tsv \
	t/data/say/yue-colloquial.rules \
	t/data/say/yue-colloquial.tsv
