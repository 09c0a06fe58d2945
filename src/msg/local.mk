## msg: the outbox workers and their transports (e-mail: mail.c; SMS
## plugs in beside it), and their tests.
libkefu_a_SOURCES += \
	src/msg/msg.h \
	src/msg/mail.c \
	src/msg/worker.c

## kefu outbox (a row in src/cli/cmds.c).
libkefu_a_SOURCES += src/cli/cmd-outbox.c
