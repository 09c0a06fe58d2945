## t: shared test plumbing.  Simulators keep their own fragments.
include t/sim/local.mk
include t/fuzz/local.mk
include t/e2e/local.mk

# The mechanical style check CI runs (build-aux/lint), tested on bad lines.
TESTS += t/lint-style.sh
dist_check_SCRIPTS += t/lint-style.sh
EXTRA_DIST += HACKING build-aux/lint build-aux/lint-style
# What the store tests share to run on each engine (t/unit/store*.c).
EXTRA_DIST += t/store-engines.h t/store-test.h
# The e-mail tests' PNG and the outbox worker tests' transport.
EXTRA_DIST += t/png-1x1.h t/fake-transport.h

# Every command, option, kefu.conf key, kefud option, built-in service
# and flow/mapping element documented in its man page (t/man-coverage.sh).
TESTS += t/man-coverage.sh
dist_check_SCRIPTS += t/man-coverage.sh
