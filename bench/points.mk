## points-changed notices: one poll for BENCH_MEMBERS members, asked once
## per member (erp.member) and read 500 a query (erp.member_points).
## `make bench-points` (or `make bench`); see bench/points-bench.sh.
## Prints figures; never a timed test.
EXTRA_DIST += bench/points-bench.sh

bench: bench-points
bench-points: kefu$(EXEEXT)
	KEFU_SRCDIR='$(abs_top_srcdir)' KEFU_BUILDDIR='$(abs_top_builddir)' \
	    sh '$(abs_top_srcdir)/bench/points-bench.sh'
