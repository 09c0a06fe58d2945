## SMS benchmark (owned by msg/): the outbox worker's cost per part on
## top of the AT engine alone, with a zero-latency simulated modem, as a
## ratio measured in one run.  `make bench-sms` (or `make bench`) builds
## and runs it; see bench/sms-bench.c.  Prints figures; never a test.
noinst_PROGRAMS += bench/sms-bench
bench_sms_bench_SOURCES = bench/sms-bench.c
bench_sms_bench_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)

bench: bench-sms
bench-sms: bench/sms-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/sms-bench$(EXEEXT) 200
