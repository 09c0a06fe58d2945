#!/bin/sh
# notice-cli-pg.sh: t/notice-cli.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/notice-cli.sh"
