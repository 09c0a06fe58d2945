/*
 * port-serial.c: real serial devices (USB CDC-ACM voice modems, UARTs)
 * through libserialport, and their enumeration for `kefu modem list`.
 * libserialport's XON/XOFF modes set IXANY, which must never be on with
 * voice (an event byte would restart output), so software flow control
 * is set with termios on its descriptor instead.
 */
#include "config.h"

#include <libserialport.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-int.h"
#include "util/util.h"

static int
serial_error(char **cause, const char *dev, const char *what)
{
	char *msg = sp_last_error_message();
	int r;

	r = kf_error(cause, "%s: %s: %s", dev, what, msg ? msg : "failed");
	sp_free_error_message(msg);
	return r;
}

static int
serial_set_flow(struct port *p, enum port_flow flow, char **cause)
{
	struct sp_port *sp = p->priv;

	if (sp_set_flowcontrol(sp, flow == PORT_FLOW_RTSCTS ?
	    SP_FLOWCONTROL_RTSCTS : SP_FLOWCONTROL_NONE) != SP_OK)
		return serial_error(cause, p->dev, "flow control");
	if (flow == PORT_FLOW_XON_IN || flow == PORT_FLOW_XON_OUT)
		return port_tty_set_flow(p->fd, p->dev, flow, cause);
	return 0;
}

static int
serial_open(struct port *p, const char *dev, const struct port_conf *pc,
    char **cause)
{
	struct sp_port *sp;
	int fd;

	if (sp_get_port_by_name(dev, &sp) != SP_OK)
		return serial_error(cause, dev, "unknown serial port");
	if (sp_open(sp, SP_MODE_READ_WRITE) != SP_OK) {
		serial_error(cause, dev, "open");
		sp_free_port(sp);
		return -1;
	}
	p->priv = sp;
	if (sp_get_port_handle(sp, &fd) != SP_OK ||
	    sp_set_baudrate(sp, pc->speed) != SP_OK ||
	    sp_set_bits(sp, 8) != SP_OK ||
	    sp_set_parity(sp, SP_PARITY_NONE) != SP_OK ||
	    sp_set_stopbits(sp, 1) != SP_OK) {
		serial_error(cause, dev, "configure");
		sp_close(sp);
		sp_free_port(sp);
		return -1;
	}
	p->fd = fd;
	p->speed = pc->speed;
	if (serial_set_flow(p, pc->flow, cause) == -1) {
		sp_close(sp);
		sp_free_port(sp);
		return -1;
	}
	if (pc->flow != PORT_FLOW_RTSCTS)
		sp_set_rts(sp, SP_RTS_ON);
	sp_set_dtr(sp, SP_DTR_ON);
	return 0;
}

static int
serial_flush(struct port *p, int output, int input)
{
	enum sp_buffer b;

	if (output && input)
		b = SP_BUF_BOTH;
	else if (output)
		b = SP_BUF_OUTPUT;
	else if (input)
		b = SP_BUF_INPUT;
	else
		return 0;
	return sp_flush(p->priv, b) == SP_OK ? 0 : -1;
}

static void
serial_close(struct port *p)
{
	if (p->priv != NULL) {
		sp_close(p->priv);
		sp_free_port(p->priv);
	}
	p->priv = NULL;
	p->fd = -1;
}

const struct port_ops port_ops_serial = {
	.name = "serial",               /* libserialport device */
	.open = serial_open,            /* sp_open + 8N1 + speed + flow, DTR
					   on */
	.set_flow = serial_set_flow,    /* RTS/CTS via libserialport, XON via
					   termios */
	.flush = serial_flush,          /* sp_flush */
	.close = serial_close,          /* sp_close */
};

static char *
serial_str(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

int
port_list(struct port_info **out, size_t *n, char **cause)
{
	struct sp_port **ports;
	struct port_info *list = NULL, *pi;
	enum sp_transport tr;
	size_t i, count = 0;

	if (sp_list_ports(&ports) != SP_OK)
		return serial_error(cause, "serial ports", "list");
	for (i = 0; ports[i] != NULL; i++) {
		list = xreallocarray(list, count + 1, sizeof *list);
		pi = &list[count++];
		memset(pi, 0, sizeof *pi);
		pi->name = serial_str(sp_get_port_name(ports[i]));
		pi->description = serial_str(sp_get_port_description(ports[i]));
		tr = sp_get_port_transport(ports[i]);
		pi->transport = xstrdup(tr == SP_TRANSPORT_USB ? "usb" :
		    tr == SP_TRANSPORT_BLUETOOTH ? "bluetooth" : "native");
		pi->usb_vid = pi->usb_pid = -1;
		if (tr == SP_TRANSPORT_USB) {
			sp_get_port_usb_vid_pid(ports[i], &pi->usb_vid,
			    &pi->usb_pid);
			pi->manufacturer = serial_str(
			    sp_get_port_usb_manufacturer(ports[i]));
			pi->product = serial_str(
			    sp_get_port_usb_product(ports[i]));
			pi->serial = serial_str(
			    sp_get_port_usb_serial(ports[i]));
		} else {
			pi->manufacturer = xstrdup("");
			pi->product = xstrdup("");
			pi->serial = xstrdup("");
		}
	}
	sp_free_port_list(ports);
	*out = list;
	*n = count;
	return 0;
}

void
port_list_free(struct port_info *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].description);
		free(list[i].transport);
		free(list[i].manufacturer);
		free(list[i].product);
		free(list[i].serial);
	}
	free(list);
}
