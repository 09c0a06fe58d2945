## line benchmark (owned by line/): 64 lines playing a shared prompt at
## once to paced modem simulators.  `make bench-line` (or `make bench`)
## builds and runs it; see bench/line-bench.c.  Prints figures; never a
## timed test.
noinst_PROGRAMS += bench/line-bench
bench_line_bench_SOURCES = bench/line-bench.c
bench_line_bench_LDADD = t/sim/libmodemsim.a $(KEFU_LIBS)

bench: bench-line
bench-line: bench/line-bench$(EXEEXT)
	./bench/line-bench$(EXEEXT) 64 10
