#!/bin/sh
# case-cli-mariadb.sh: t/case-cli.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/case-cli.sh"
