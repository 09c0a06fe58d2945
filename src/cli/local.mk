## cli: the kefu admin command's families, one file each.
libkefu_a_SOURCES += \
	src/cli/cli.h \
	src/cli/cmds.c \
	src/cli/cmd-conf.c \
	src/cli/cmd-status.c \
	src/cli/cmd-call.c

## kefu case (cases: complaints, suggestions, after-sales).
libkefu_a_SOURCES += src/cli/cmd-case.c
