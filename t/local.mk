## t: shared test plumbing.  Simulators keep their own fragments.
include t/sim/local.mk
include t/fuzz/local.mk
include t/e2e/local.mk
