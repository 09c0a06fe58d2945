## SMS benchmark (owned by msg/): the outbox worker's cost per part on
## top of the AT engine alone, with a zero-latency simulated modem, as a
## ratio measured in one run.  `make bench-sms` (or `make bench`) builds
## and runs it; see bench/sms-bench.c.  Prints figures; never a test.
noinst_PROGRAMS += bench/sms-bench
bench_sms_bench_SOURCES = bench/sms-bench.c t/scratch-store.h
bench_sms_bench_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)

bench: bench-sms
bench-sms: bench/sms-bench$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/sms-bench$(EXEEXT) 200

## N simulated modems: messages/s for 1, 2, 4 modems as ratios to one,
## at a per-message network time (-s, default 300 ms) and at zero latency.
noinst_PROGRAMS += bench/sms-scale
bench_sms_scale_SOURCES = bench/sms-scale.c t/scratch-store.h
bench_sms_scale_LDADD = t/sim/libgsmsim.a $(KEFU_LIBS)

bench: bench-sms-scale
bench-sms-scale: bench/sms-scale$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/sms-scale$(EXEEXT) -n 60 -s 300
	KEFU_SRCDIR='$(abs_top_srcdir)' ./bench/sms-scale$(EXEEXT) -n 400 -s 0

## kefu beside gammu-smsd on the same zero-latency simulator (needs
## gammu-smsd): messages/s of both and the ratio.
EXTRA_DIST += bench/sms-gammu.sh
bench-sms-gammu: bench/sms-scale$(EXEEXT) t/sim/gsmsim$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' KEFU_BUILDDIR=. \
	    sh '$(abs_top_srcdir)/bench/sms-gammu.sh' 20
