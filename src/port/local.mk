## port: serial devices (libserialport), ptys (termios), TCP serial
## servers, one struct port_ops.  Depends on util.
libkefu_a_SOURCES += \
	src/port/port.h \
	src/port/port-int.h \
	src/port/port.c \
	src/port/port-serial.c \
	src/port/port-tty.c \
	src/port/port-tcp.c

check_PROGRAMS += t/unit/port
TESTS += t/unit/port
t_unit_port_SOURCES = t/unit/port.c t/tap.h
t_unit_port_LDADD = $(KEFU_LIBS)
