## man: the pages of the programs and of kefu.conf.  Each subsystem lists
## the pages of its own file formats in its own local.mk.
man_MANS += man/kefu.1 man/kefu-member.1 man/kefu.conf.5
EXTRA_DIST += man/kefu.1 man/kefu-member.1 man/kefu.conf.5

# Lint every page (mandoc -Tlint) as part of make check.
if HAVE_MANDOC
check-local: check-man
check-man:
	@rc=0; for m in $(man_MANS); do \
	  out=`$(MANDOC) -Tlint -W warning $(srcdir)/$$m 2>&1` || { echo "$$out"; rc=1; }; \
	done; exit $$rc
.PHONY: check-man
endif

# The simulated line's protocol (src/line/sim.c).
man_MANS += man/kefu-simline.7
EXTRA_DIST += man/kefu-simline.7

# kefu case (src/cli/cmd-case.c).
man_MANS += man/kefu-case.1
EXTRA_DIST += man/kefu-case.1
