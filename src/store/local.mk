## store: the local store's migration runner, PIN hashes, the built-in
## catalog and its demo data; the SQL they run; the catalog and example
## mappings; the in-tree kefu.conf; store tests.
libkefu_a_SOURCES += \
	src/store/store.h \
	src/store/store-int.h \
	src/store/store.c \
	src/store/pin.c \
	src/store/stamp.c \
	src/store/member.c \
	src/store/outbox.c \
	src/store/optout.c \
	src/store/slip.c \
	src/store/sms.c \
	src/store/order.c \
	src/store/catalog.c \
	src/store/special.c \
	src/store/demo.c \
	src/store/phone.c

nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/001_members.sql \
	sql/local/sqlite/002_orders.sql \
	sql/local/sqlite/003_requests.sql \
	sql/local/sqlite/004_messaging.sql \
	sql/local/sqlite/005_calls.sql \
	sql/local/sqlite/006_member_pins.sql \
	sql/local/sqlite/007_outbox.sql \
	sql/local/sqlite/008_member_calls.sql \
	sql/local/sqlite/009_orders.sql \
	sql/local/postgresql/001_members.sql \
	sql/local/postgresql/002_orders.sql \
	sql/local/postgresql/003_requests.sql \
	sql/local/postgresql/004_messaging.sql \
	sql/local/postgresql/005_calls.sql \
	sql/local/postgresql/006_member_pins.sql \
	sql/local/postgresql/007_outbox.sql \
	sql/local/postgresql/008_member_calls.sql \
	sql/local/postgresql/009_orders.sql \
	sql/local/mysql/001_members.sql \
	sql/local/mysql/002_orders.sql \
	sql/local/mysql/003_requests.sql \
	sql/local/mysql/004_messaging.sql \
	sql/local/mysql/005_calls.sql \
	sql/local/mysql/006_member_pins.sql \
	sql/local/mysql/007_outbox.sql \
	sql/local/mysql/008_member_calls.sql \
	sql/local/mysql/009_orders.sql \
	sql/catalog/catalog.sql \
	sql/catalog/drop.sql

check_PROGRAMS += t/unit/store-demo
TESTS += t/unit/store-demo
t_unit_store_demo_SOURCES = t/unit/store-demo.c t/tap.h
t_unit_store_demo_LDADD = $(KEFU_LIBS)

## The kefu db and kefu catalog commands (rows in src/cli/cmds.c).
libkefu_a_SOURCES += \
	src/cli/cli-store.c \
	src/cli/cli-pin.c \
	src/cli/cmd-db.c \
	src/cli/cmd-catalog.c \
	src/cli/cmd-special.c \
	src/cli/cmd-member.c \
	src/cli/cmd-order.c \
	src/cli/cmd-courier.c

nobase_dist_pkgdata_DATA += \
	mappings/catalog/products.xml \
	mappings/catalog/today.xml \
	mappings/catalog/staff.xml

EXTRA_DIST += etc/kefu.conf

check_PROGRAMS += t/unit/store
TESTS += t/unit/store
t_unit_store_SOURCES = t/unit/store.c t/tap.h
t_unit_store_LDADD = $(KEFU_LIBS)

check_PROGRAMS += t/unit/store-catalog
TESTS += t/unit/store-catalog
t_unit_store_catalog_SOURCES = t/unit/store-catalog.c t/tap.h
t_unit_store_catalog_LDADD = $(KEFU_LIBS)

# The example legacy ERP.  Installed apart from the mappings folder, so
# that kefud does not load mappings whose [datasource erp] does not exist.
erpexampledir = $(pkgdatadir)/examples/erp
dist_erpexample_DATA = \
	mappings/examples/erp/erp.xml \
	sql/examples/erp/mysql.sql \
	sql/examples/erp/sqlite.sql \
	flows/examples/erp/points.xml

# Members in the example ERP, on SQLite, spoken by the example flow.
TESTS += t/erp-member.sh
dist_check_SCRIPTS += t/erp-member.sh

check_PROGRAMS += t/unit/store-erp
TESTS += t/unit/store-erp
t_unit_store_erp_SOURCES = t/unit/store-erp.c t/tap.h
t_unit_store_erp_LDADD = $(KEFU_LIBS)

TESTS += t/store-cli.sh t/member-cli.sh
dist_check_SCRIPTS += t/store-cli.sh t/member-cli.sh

man_MANS += man/kefu-store.7 man/kefu-catalog.7 man/kefu-orders.7
EXTRA_DIST += man/kefu-store.7 man/kefu-catalog.7 man/kefu-orders.7

check_PROGRAMS += t/unit/store-member
TESTS += t/unit/store-member
t_unit_store_member_SOURCES = t/unit/store-member.c t/tap.h
t_unit_store_member_LDADD = $(KEFU_LIBS)

# The call log's SQL (svc/calllog.c says what a call did).
libkefu_a_SOURCES += src/store/calllog.c
## Cases: complaints, suggestions, after-sales (store/case.c, kefu case).
libkefu_a_SOURCES += src/store/case.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/012_cases.sql \
	sql/local/postgresql/012_cases.sql \
	sql/local/mysql/012_cases.sql
TESTS += t/case-cli.sh
dist_check_SCRIPTS += t/case-cli.sh
TESTS += t/case-kefud.sh
dist_check_SCRIPTS += t/case-kefud.sh
EXTRA_DIST += t/case-call.py
TESTS += t/case-cli-pg.sh t/case-cli-mariadb.sh
dist_check_SCRIPTS += t/case-cli-pg.sh t/case-cli-mariadb.sh
## Campaigns (kefu campaign; migration 011).
libkefu_a_SOURCES += src/store/campaign.c src/store/event.c \
	src/store/conversation.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/011_campaigns.sql \
	sql/local/postgresql/011_campaigns.sql \
	sql/local/mysql/011_campaigns.sql
check_PROGRAMS += t/unit/store-order
TESTS += t/unit/store-order
t_unit_store_order_SOURCES = t/unit/store-order.c t/tap.h
t_unit_store_order_LDADD = $(KEFU_LIBS)

## kefu special (the desk's specials in the catalog) and kefu catalog import.
TESTS += t/special-cli.sh t/catalog-import.sh
dist_check_SCRIPTS += t/special-cli.sh t/catalog-import.sh
## Staff who phone in (store/staff.c, kefu staff).
libkefu_a_SOURCES += src/store/staff.c src/cli/cmd-staff.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/013_staff.sql \
	sql/local/postgresql/013_staff.sql \
	sql/local/mysql/013_staff.sql
TESTS += t/staff-cli.sh
dist_check_SCRIPTS += t/staff-cli.sh
TESTS += t/staff-flow.sh
dist_check_SCRIPTS += t/staff-flow.sh
## After-sales home visits (store/visit.c, kefu visit; migration 014).
libkefu_a_SOURCES += src/store/visit.c src/cli/cmd-visit.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/014_visits.sql \
	sql/local/postgresql/014_visits.sql \
	sql/local/mysql/014_visits.sql
check_PROGRAMS += t/unit/store-visit
TESTS += t/unit/store-visit
t_unit_store_visit_SOURCES = t/unit/store-visit.c t/tap.h
t_unit_store_visit_LDADD = $(KEFU_LIBS)
TESTS += t/visit-cli.sh
dist_check_SCRIPTS += t/visit-cli.sh
## The store's own notices (store/notice.c, kefu notice, migration 015).
libkefu_a_SOURCES += src/store/notice.c src/cli/cmd-notice.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/015_notices.sql \
	sql/local/postgresql/015_notices.sql \
	sql/local/mysql/015_notices.sql
TESTS += t/notice-cli.sh
dist_check_SCRIPTS += t/notice-cli.sh
## Order lines' price kind and the order commit lock (migration 016).
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/016_order_stock.sql \
	sql/local/postgresql/016_order_stock.sql \
	sql/local/mysql/016_order_stock.sql
## Conversations as case steps, the points-changed notices' baseline
## (store/conversation.c, store/points.c, msg/points.c, migration 017).
libkefu_a_SOURCES += src/store/points.c src/msg/points.c
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/017_sms_points.sql \
	sql/local/postgresql/017_sms_points.sql \
	sql/local/mysql/017_sms_points.sql
# unconfirmed cases (a hang-up before "send") and visits done (kefu visit done)
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/018_unconfirmed.sql \
	sql/local/postgresql/018_unconfirmed.sql \
	sql/local/mysql/018_unconfirmed.sql
# the desk's commands on PostgreSQL and MariaDB too (tap_engine)
TESTS += t/visit-cli-pg.sh t/visit-cli-mariadb.sh
dist_check_SCRIPTS += t/visit-cli-pg.sh t/visit-cli-mariadb.sh
TESTS += t/notice-cli-pg.sh t/notice-cli-mariadb.sh
dist_check_SCRIPTS += t/notice-cli-pg.sh t/notice-cli-mariadb.sh
TESTS += t/staff-cli-pg.sh t/staff-cli-mariadb.sh
dist_check_SCRIPTS += t/staff-cli-pg.sh t/staff-cli-mariadb.sh
TESTS += t/special-cli-pg.sh t/special-cli-mariadb.sh
dist_check_SCRIPTS += t/special-cli-pg.sh t/special-cli-mariadb.sh
# SMS answers received before 017 kept as case steps
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/019_sms_steps.sql \
	sql/local/postgresql/019_sms_steps.sql \
	sql/local/mysql/019_sms_steps.sql
# A campaign's spend read from its index (the budget, store/outbox.c)
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/020_campaign_spend.sql \
	sql/local/postgresql/020_campaign_spend.sql \
	sql/local/mysql/020_campaign_spend.sql
# A claim's messages found by its token (store/outbox.c)
nobase_dist_pkgdata_DATA += \
	sql/local/sqlite/021_outbox_claim.sql \
	sql/local/postgresql/021_outbox_claim.sql \
	sql/local/mysql/021_outbox_claim.sql \
	sql/local/sqlite/022_outbox_content.sql \
	sql/local/postgresql/022_outbox_content.sql \
	sql/local/mysql/022_outbox_content.sql
