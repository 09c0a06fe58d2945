## db: unixODBC pools, typed execution, encodings, adapter profiles.
## Depends on util and conf.
libkefu_a_SOURCES += \
	src/db/db.h \
	src/db/db_int.h \
	src/db/adapter.c \
	src/db/conv.c \
	src/db/exec.c \
	src/db/hist.c \
	src/db/source.c \
	src/db/sqlscan.c

check_PROGRAMS += t/unit/db
TESTS += t/unit/db
t_unit_db_SOURCES = t/unit/db.c t/tap.h
t_unit_db_LDADD = $(KEFU_LIBS)

nobase_dist_pkgdata_DATA += \
	adapters/adapter.rng \
	adapters/db2.xml \
	adapters/informix.xml \
	adapters/mysql.xml \
	adapters/oracle.xml \
	adapters/postgresql.xml \
	adapters/sqlite.xml \
	adapters/sqlserver.xml \
	adapters/sybase.xml
