#!/bin/sh
# visit-cli-mariadb.sh: t/visit-cli.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/visit-cli.sh"
