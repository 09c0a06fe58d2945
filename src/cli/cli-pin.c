/*
 * cli-pin.c: a PIN read for `kefu member` and `kefu staff` -- typed
 * twice on the terminal without echo when standard input is one, else
 * one line of standard input (scripts and tests pipe it in).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"

/* One line of fp without its newline; -1 at end of file. */
static int
cli_pin_line(FILE *fp, char *buf, size_t size)
{
	if (fgets(buf, (int)size, fp) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Prompt on the terminal with echo off. */
static int
cli_pin_ask(FILE *tty, const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	int fd = fileno(tty), rc;

	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (tcgetattr(fd, &old) == -1)
		return -1;
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	rc = cli_pin_line(tty, buf, size);
	tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(tty, "\n");
	return rc;
}

int
cli_pin_read(const char *cmd, char pin[CLI_PIN_BUF])
{
	char again[CLI_PIN_BUF];
	FILE *tty;
	int rc = -1;

	if (!isatty(STDIN_FILENO)) {
		if (cli_pin_line(stdin, pin, CLI_PIN_BUF) == 0)
			return 0;
		fprintf(stderr, "kefu %s: no PIN on standard input\n", cmd);
		return -1;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		fprintf(stderr, "kefu %s: cannot open the terminal to read the "
		    "PIN\n", cmd);
		return -1;
	}
	if (cli_pin_ask(tty, "PIN: ", pin, CLI_PIN_BUF) == 0 &&
	    cli_pin_ask(tty, "PIN again: ", again, sizeof again) == 0 &&
	    (rc = strcmp(pin, again) == 0 ? 0 : -1) == -1)
		fprintf(stderr, "kefu %s: the two PINs differ\n", cmd);
	OPENSSL_cleanse(again, sizeof again);
	fclose(tty);
	return rc;
}
