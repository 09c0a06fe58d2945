## msg: messaging -- SMS (3GPP 23.040/27.005 PDU codec, GSM modems),
## e-mail, the outbox workers.  See src/msg/sms.h for the SMS codec.
libkefu_a_SOURCES += \
	src/msg/sms.h \
	src/msg/pdu.c

check_PROGRAMS += t/unit/pdu
TESTS += t/unit/pdu
t_unit_pdu_SOURCES = t/unit/pdu.c t/tap.h
t_unit_pdu_LDADD = $(KEFU_LIBS)
