#!/bin/sh
# member-engines-mariadb.sh: t/member-engines.sh on the mariadb test
# server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/member-engines.sh"
