## flow benchmark (owned by flow/): loading and checking flows of N, 10N
## and 100N elements, time per element and its ratio to the smallest.
## `make bench-flow` (or `make bench`) builds and runs it; see
## bench/flow-bench.c.  Prints figures; never a timed test.
noinst_PROGRAMS += bench/flow-bench
bench_flow_bench_SOURCES = bench/flow-bench.c
bench_flow_bench_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKEFU_BENCH_SRCDIR='"$(abs_top_srcdir)"'
bench_flow_bench_LDADD = $(KEFU_LIBS)

bench: bench-flow
bench-flow: bench/flow-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/flow-bench$(EXEEXT) 1000
