## e-mail benchmark (owned by msg/): the outbox worker into Postfix's
## smtp-sink against smtp-source into the same sink: kefu.conf's defaults
## (2 connections, batch 20), batch 100, and [email] connections = 4;
## smtp-source runs as many sessions (-s) as the worker has connections.
## `make bench-mail`
## (or `make bench`) builds and runs it; see bench/mail-bench.c.
noinst_PROGRAMS += bench/mail-bench
bench_mail_bench_SOURCES = bench/mail-bench.c
bench_mail_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) \
	-DKEFU_BENCH_SRCDIR='"$(abs_top_srcdir)"'
bench_mail_bench_LDADD = $(KEFU_LIBS)

bench: bench-mail
bench-mail: bench/mail-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/mail-bench$(EXEEXT) 2000 2000
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/mail-bench$(EXEEXT) 2000 2000 \
	    'JournalMode=WAL;SyncPragma=FULL' 100
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/mail-bench$(EXEEXT) 2000 2000 \
	    'JournalMode=WAL;SyncPragma=FULL' 100 4

## The same on PostgreSQL and MariaDB, the store in a schema or database
## of the run's own on the test servers (KEFU_TEST_PG, KEFU_TEST_MARIADB
## from `eval "$(sh build-aux/test-services start)"`; one not set is
## skipped): 4000 messages, batch 100, 2 connections;
## `make bench-mail-db`.
bench: bench-mail-db
bench-mail-db: bench/mail-bench$(EXEEXT)
	@for v in KEFU_TEST_PG KEFU_TEST_MARIADB; do \
	    eval "dsn=\$${$$v:-}"; \
	    if test -z "$$dsn"; then \
	        echo "bench-mail-db: $$v not set: skipped (eval" \
	            "\"\$$(sh build-aux/test-services start)\")"; \
	        continue; \
	    fi; \
	    MAIL_BENCH_DSN="$$dsn" KEFU_SRCDIR='$(abs_top_srcdir)' \
	        ./bench/mail-bench$(EXEEXT) 4000 2000 '' 100 2 || exit 1; \
	done

## mail_compose's and mail_compose_cached's CPU a message (msg/mime.c,
## GMime), bench-mail's size;
## `make bench-mime`.
noinst_PROGRAMS += bench/mime-bench
bench_mime_bench_SOURCES = bench/mime-bench.c
bench_mime_bench_LDADD = $(KEFU_LIBS)

bench: bench-mime
bench-mime: bench/mime-bench$(EXEEXT)
	./bench/mime-bench$(EXEEXT) 10000 2000
	./bench/mime-bench$(EXEEXT) 10000 2000 html
