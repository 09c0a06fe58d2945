#!/bin/sh
# campaign-sched-mariadb.sh: t/campaign-sched.sh on the MariaDB test server.
SCHED_ENGINE=mysql exec sh "$(dirname "$0")/campaign-sched.sh"
