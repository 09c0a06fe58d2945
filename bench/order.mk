## ordering-call benchmark: kefud's CPU per scripted ordering call through
## the simulated line, as a ratio of a price call's in the same run.
## `make bench-order` (or `make bench`); see bench/order-bench.sh.
## Prints figures; never a timed test.
EXTRA_DIST += bench/order-bench.sh

bench: bench-order
bench-order: kefu$(EXEEXT) kefud$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' KEFU_BUILDDIR='$(abs_top_builddir)' \
	    sh '$(abs_top_srcdir)/bench/order-bench.sh'
