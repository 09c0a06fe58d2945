## call: the service joining flows, mappings, say-rules, prompts, lines
## and the call log.  Used by kefud and `kefu call`.
libkefu_a_SOURCES += \
	src/call/call.h \
	src/call/svc.c \
	src/call/chan.c \
	src/call/calllog.c
