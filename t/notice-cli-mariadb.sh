#!/bin/sh
# notice-cli-mariadb.sh: t/notice-cli.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/notice-cli.sh"
