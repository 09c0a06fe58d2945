#!/bin/sh
# staff-cli-mariadb.sh: t/staff-cli.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/staff-cli.sh"
