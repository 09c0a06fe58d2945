## msg: messaging -- SMS (3GPP 23.040/27.005 PDU codec, GSM modems),
## e-mail, the outbox workers.  See src/msg/sms.h for the SMS codec.
libkefu_a_SOURCES += \
	src/msg/sms.h \
	src/msg/sms.c \
	src/msg/gsm.c \
	src/msg/optout.c

check_PROGRAMS += t/unit/pdu
TESTS += t/unit/pdu
t_unit_pdu_SOURCES = t/unit/pdu.c t/tap.h
t_unit_pdu_LDADD = $(KEFU_LIBS)

# the GSM transport against the GSM simulator (t/sim/gsmsim)
check_PROGRAMS += t/unit/gsm
TESTS += t/unit/gsm
t_unit_gsm_SOURCES = t/unit/gsm.c t/tap.h
t_unit_gsm_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)

# every PDU of the codec checked by node-pdu (build-aux/install-deps puts
# it in /usr/local/lib/kefu-node; the test skips, saying so, without it)
check_PROGRAMS += t/sms-corpus
t_sms_corpus_SOURCES = t/sms-corpus.c
t_sms_corpus_LDADD = $(KEFU_LIBS)
# ... and by libgammu (python3-gammu), gammu-smsd's decoder
TESTS += t/sms-xcheck.sh t/sms-xcheck-gammu.sh
dist_check_SCRIPTS += t/sms-xcheck.sh t/sms-xcheck-gammu.sh
EXTRA_DIST += t/sms-xcheck.js t/sms-xcheck-gammu.py
# the GSM simulator driven by gammu (libgammu's AT driver): send, read
TESTS += t/sms-gammu.sh
dist_check_SCRIPTS += t/sms-gammu.sh
# kill -9 of kefud during a 2,000-message broadcast (KEFU_SMS_KILL_N,
# KEFU_SMS_KILLS for more)
TESTS += t/sms-kill.sh
dist_check_SCRIPTS += t/sms-kill.sh

man_MANS += man/kefu-sms.7
EXTRA_DIST += man/kefu-sms.7
## msg: the outbox workers and their transports (e-mail: mail.c; SMS
## plugs in beside it), and their tests.
libkefu_a_SOURCES += \
	src/msg/msg.h \
	src/msg/mail.c \
	src/msg/mime.c \
	src/msg/smtp.h \
	src/msg/smtp.c \
	src/msg/http.c \
	src/msg/suppress.c \
	src/msg/campaign.c \
	src/msg/sched.c \
	src/msg/event.c \
	src/msg/worker.c

## kefu outbox and kefu campaign (rows in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-outbox.c src/cli/cmd-campaign.c

## The e-mail outbox against a real Postfix (build-aux/test-services).
check_PROGRAMS += t/unit/msg-mail
TESTS += t/unit/msg-mail
t_unit_msg_mail_SOURCES = t/unit/msg-mail.c t/tap.h
t_unit_msg_mail_LDADD = $(KEFU_LIBS)
EXTRA_DIST += t/mail-parse.py

## mail_compose's bytes (msg/mime.c), parsed back by t/mail-parse.py.
check_PROGRAMS += t/unit/msg-mime
TESTS += t/unit/msg-mime
t_unit_msg_mime_SOURCES = t/unit/msg-mime.c t/tap.h
t_unit_msg_mime_LDADD = $(KEFU_LIBS)

man_MANS += man/kefu-messaging.7
EXTRA_DIST += man/kefu-messaging.7

TESTS += t/outbox-cli.sh
dist_check_SCRIPTS += t/outbox-cli.sh

## kefud's own e-mail worker thread, against Postfix.
TESTS += t/kefud-mail.sh
dist_check_SCRIPTS += t/kefud-mail.sh

## SMS through GSM modems from the outbox (msg/gsm.c), against two GSM
## simulators, with a SQLite store.
check_PROGRAMS += t/unit/msg-sms
TESTS += t/unit/msg-sms
t_unit_msg_sms_SOURCES = t/unit/msg-sms.c t/tap.h t/scratch-store.h
t_unit_msg_sms_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)

## kefu sms and kefu optout (rows in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-sms.c src/cli/cmd-optout.c
TESTS += t/sms-cli.sh
dist_check_SCRIPTS += t/sms-cli.sh

## kefud's SMS worker thread against the gsmsim program.
TESTS += t/kefud-sms.sh
dist_check_SCRIPTS += t/kefud-sms.sh
## ... and through an [sms-gateway] (t/http-gw.py).
TESTS += t/kefud-smsgw.sh
dist_check_SCRIPTS += t/kefud-smsgw.sh
## The HTTP SMS gateway against a scripted gateway on loopback.
check_PROGRAMS += t/unit/msg-http
TESTS += t/unit/msg-http
t_unit_msg_http_SOURCES = t/unit/msg-http.c t/tap.h
t_unit_msg_http_LDADD = $(KEFU_LIBS)
EXTRA_DIST += t/http-gw.py
EXTRA_DIST += t/smtps-cut.py

## The check at the moment of sending, rule by rule and through a worker.
check_PROGRAMS += t/unit/msg-suppress
TESTS += t/unit/msg-suppress
t_unit_msg_suppress_SOURCES = t/unit/msg-suppress.c t/tap.h
t_unit_msg_suppress_LDADD = $(KEFU_LIBS)

TESTS += t/campaign-cli.sh
dist_check_SCRIPTS += t/campaign-cli.sh

## The campaign scheduler at chosen times (kefu campaign due --now) and
## in kefud.
TESTS += t/campaign-sched.sh
dist_check_SCRIPTS += t/campaign-sched.sh
## Segments through a mapping over the example ERP, {points}.
TESTS += t/campaign-segment.sh
dist_check_SCRIPTS += t/campaign-segment.sh
EXTRA_DIST += t/data/campaign/segment.xml
## Notices of kefu's own events (orders confirmed, on their way).
TESTS += t/campaign-events.sh
dist_check_SCRIPTS += t/campaign-events.sh
## A case's SMS conversation in kefu case show.
TESTS += t/case-conversation.sh
dist_check_SCRIPTS += t/case-conversation.sh
## The scheduler and the event notices on the PostgreSQL and MariaDB
## stores.
TESTS += t/campaign-sched-pg.sh t/campaign-sched-mariadb.sh
dist_check_SCRIPTS += t/campaign-sched-pg.sh t/campaign-sched-mariadb.sh
TESTS += t/campaign-events-pg.sh t/campaign-events-mariadb.sh
dist_check_SCRIPTS += t/campaign-events-pg.sh t/campaign-events-mariadb.sh
TESTS += t/case-conversation-pg.sh t/case-conversation-mariadb.sh
dist_check_SCRIPTS += t/case-conversation-pg.sh \
	t/case-conversation-mariadb.sh
## Points-changed notices against the example ERP, on three engines.
TESTS += t/campaign-points.sh t/campaign-points-pg.sh \
	t/campaign-points-mariadb.sh
dist_check_SCRIPTS += t/campaign-points.sh t/campaign-points-pg.sh \
	t/campaign-points-mariadb.sh

## msg_worker_run_n when one worker fails (a transport of the test's own).
check_PROGRAMS += t/unit/msg-worker
TESTS += t/unit/msg-worker
t_unit_msg_worker_SOURCES = t/unit/msg-worker.c t/tap.h t/store-engines.h \
    t/scratch-store.h
t_unit_msg_worker_LDADD = $(KEFU_LIBS)

## A campaign's budget weighed in the commit that makes a batch
## submitting: a batch, two workers racing, failures giving back, on
## three engines.
check_PROGRAMS += t/unit/msg-budget
TESTS += t/unit/msg-budget
t_unit_msg_budget_SOURCES = t/unit/msg-budget.c t/tap.h t/store-engines.h
t_unit_msg_budget_LDADD = $(KEFU_LIBS)

## kefu's own SMTP client against a scripted server in the test.
check_PROGRAMS += t/unit/msg-smtp
TESTS += t/unit/msg-smtp
t_unit_msg_smtp_SOURCES = t/unit/msg-smtp.c t/tap.h
t_unit_msg_smtp_LDADD = $(KEFU_LIBS)
