#!/bin/sh
# special-cli-mariadb.sh: t/special-cli.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/special-cli.sh"
