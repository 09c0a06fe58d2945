## call benchmark: many simulated callers asking prices at once, end to
## end against PostgreSQL: callers at a telephone's pace, then the worst
## case of all of them in step (--burst).  `make bench-call` (needs KEFU_TEST_PG, e.g.
## eval "$$(sh build-aux/test-services start)"); see bench/call-bench.c.
## Prints figures; never a timed test.
noinst_PROGRAMS += bench/call-bench
bench_call_bench_SOURCES = bench/call-bench.c
bench_call_bench_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)

bench: bench-call
bench-call: bench/call-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/call-bench$(EXEEXT) 128 3
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/call-bench$(EXEEXT) --burst 128 3
