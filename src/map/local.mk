## map: mapping files (mappings/*.xml) -> bound SQL -> typed flow variables.
## Depends on util, conf and db.
libkefu_a_SOURCES += \
	src/map/map.h \
	src/map/map-int.h \
	src/map/map.c \
	src/map/load.c \
	src/map/sql.c \
	src/map/param.c \
	src/map/exec.c \
	src/map/pools.c \
	src/cli/cmd-map.c

nobase_dist_pkgdata_DATA += mappings/mapping.rng
man_MANS += man/kefu-mapping.5
EXTRA_DIST += man/kefu-mapping.5 \
	t/data/map/kefu.conf \
	t/data/map/good/price.xml \
	t/data/map/good/more.xml \
	t/data/map/runtime/runtime.xml \
	t/data/map/dup/a.xml \
	t/data/map/dup/b.xml \
	t/data/map/bad/bad-pattern.xml \
	t/data/map/bad/check-on-text.xml \
	t/data/map/bad/gbk-literal.xml \
	t/data/map/bad/like-escape.xml \
	t/data/map/bad/like-integer.xml \
	t/data/map/bad/like-not-after-like.xml \
	t/data/map/bad/doctype.xml \
	t/data/map/bad/dup-var.xml \
	t/data/map/bad/empty.xml \
	t/data/map/bad/malformed.xml \
	t/data/map/bad/max-rows-one.xml \
	t/data/map/bad/no-datasource.xml \
	t/data/map/bad/no-default-sql.xml \
	t/data/map/bad/no-result.xml \
	t/data/map/bad/question-mark.xml \
	t/data/map/bad/readonly-ds.xml \
	t/data/map/bad/schema-element.xml \
	t/data/map/bad/schema-type.xml \
	t/data/map/bad/two-statements.xml \
	t/data/map/bad/unknown-placeholder.xml \
	t/data/map/bad/unused-param.xml \
	t/data/map/bad/writes.xml

check_PROGRAMS += t/unit/map-param
TESTS += t/unit/map-param
t_unit_map_param_SOURCES = t/unit/map-param.c t/tap.h
t_unit_map_param_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/map-load
TESTS += t/unit/map-load
t_unit_map_load_SOURCES = t/unit/map-load.c t/tap.h
t_unit_map_load_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/map-exec
TESTS += t/unit/map-exec
t_unit_map_exec_SOURCES = t/unit/map-exec.c t/tap.h
t_unit_map_exec_LDADD = $(KEFU_LIBS)

TESTS += t/map-cli.sh
dist_check_SCRIPTS += t/map-cli.sh
