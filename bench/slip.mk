## slip benchmark (owned by slip/): a slot of 1,000 orders read and
## rendered as one PDF batch against cairo + pango's cheapest pages.
## `make bench-slip` (or `make bench`) builds and runs it; see
## bench/slip-bench.c.  Prints figures; never a timed test.
noinst_PROGRAMS += bench/slip-bench
bench_slip_bench_SOURCES = bench/slip-bench.c
bench_slip_bench_LDADD = $(KEFU_LIBS)

bench: bench-slip
bench-slip: bench/slip-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/slip-bench$(EXEEXT)
