## benchmarks: one fragment per subsystem; `make bench` builds and runs them.
include bench/map.mk
include bench/line.mk
include bench/call.mk
include bench/flow.mk
include bench/slip.mk
include bench/sms.mk
include bench/mail.mk
include bench/order.mk
include bench/points.mk
