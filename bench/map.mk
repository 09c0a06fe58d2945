## map benchmark (owned by map/): mapping execution against raw ODBC.
## `make bench-map` (or `make bench`) builds and runs it; see
## bench/map-bench.c.  Prints figures; never a timed test.
noinst_PROGRAMS += bench/map-bench
bench_map_bench_SOURCES = bench/map-bench.c
bench_map_bench_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKEFU_BENCH_SRCDIR='"$(abs_top_srcdir)"'
bench_map_bench_LDADD = $(KEFU_LIBS)

bench: bench-map
bench-map: bench/map-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/map-bench$(EXEEXT)
