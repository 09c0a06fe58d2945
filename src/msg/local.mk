## msg: the outbox workers and their transports (e-mail: mail.c; SMS
## plugs in beside it), and their tests.
libkefu_a_SOURCES += \
	src/msg/msg.h \
	src/msg/mail.c \
	src/msg/worker.c

## kefu outbox (a row in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-outbox.c

## The e-mail outbox against a real Postfix (build-aux/test-services).
check_PROGRAMS += t/unit/msg_mail
TESTS += t/unit/msg_mail
t_unit_msg_mail_SOURCES = t/unit/msg_mail.c t/tap.h
t_unit_msg_mail_LDADD = $(KEFU_LIBS)
EXTRA_DIST += t/mail-parse.py

man_MANS += man/kefu-messaging.7
EXTRA_DIST += man/kefu-messaging.7

TESTS += t/outbox-cli.sh
dist_check_SCRIPTS += t/outbox-cli.sh

## kefud's own e-mail worker thread, against Postfix.
TESTS += t/kefud-mail.sh
dist_check_SCRIPTS += t/kefud-mail.sh
