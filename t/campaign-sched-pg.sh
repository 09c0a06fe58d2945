#!/bin/sh
# campaign-sched-pg.sh: t/campaign-sched.sh on the PostgreSQL test server.
SCHED_ENGINE=postgresql exec sh "$(dirname "$0")/campaign-sched.sh"
