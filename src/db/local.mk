## db: unixODBC pools, typed execution, encodings, adapter profiles.
## Depends on util and conf.
libkefu_a_SOURCES += \
	src/db/db.h \
	src/db/db-int.h \
	src/db/adapter.c \
	src/db/bind.c \
	src/db/conn.c \
	src/db/connect.c \
	src/db/conv.c \
	src/db/exec.c \
	src/db/fetch.c \
	src/db/hist.c \
	src/db/outage.c \
	src/db/pool.c \
	src/db/source.c \
	src/db/sqlscan.c \
	src/db/stmt.c \
	src/db/watchdog.c

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

check_PROGRAMS += t/unit/db-adapter t/unit/db-pool
TESTS += t/unit/db-adapter t/unit/db-pool
t_unit_db_adapter_SOURCES = t/unit/db-adapter.c t/tap.h
t_unit_db_adapter_LDADD = $(KEFU_LIBS)
t_unit_db_pool_SOURCES = t/unit/db-pool.c t/tap.h
t_unit_db_pool_LDADD = $(KEFU_LIBS)

EXTRA_DIST += \
	t/data/db/badstyle.xml \
	t/data/db/broken.xml \
	t/data/db/misnamed.xml \
	t/data/db/noprobe.xml

# Live PostgreSQL / MariaDB tests: skip unless KEFU_TEST_PG, KEFU_TEST_MARIADB,
# KEFU_TEST_MARIADB_GBK are set (fail when KEFU_TEST_REQUIRE_SERVERS=1).
check_PROGRAMS += t/unit/db-live
TESTS += t/unit/db-live
t_unit_db_live_SOURCES = t/unit/db-live.c t/proxy.c t/proxy.h t/tap.h
t_unit_db_live_LDADD = $(KEFU_LIBS)

# Other clients' sockets are never cut by the db layer (KEFU_TEST_PG).
check_PROGRAMS += t/unit/db-race
TESTS += t/unit/db-race
t_unit_db_race_SOURCES = t/unit/db-race.c t/churn.c t/churn.h t/proxy.c \
	t/proxy.h t/tap.h
t_unit_db_race_LDADD = $(KEFU_LIBS)

# LeakSanitizer suppressions limited to ODBC driver libraries (CI sets
# LSAN_OPTIONS=suppressions=$(top_srcdir)/t/lsan.supp).
EXTRA_DIST += t/lsan.supp

man_MANS += man/kefu-adapter.5
EXTRA_DIST += man/kefu-adapter.5

# Write transactions on one SQLite file wait for each other, no deadlock.
check_PROGRAMS += t/unit/db-sqlite-tx
TESTS += t/unit/db-sqlite-tx
t_unit_db_sqlite_tx_SOURCES = t/unit/db-sqlite-tx.c t/tap.h
t_unit_db_sqlite_tx_LDADD = $(KEFU_LIBS)
