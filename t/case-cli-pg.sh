#!/bin/sh
# case-cli-pg.sh: t/case-cli.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/case-cli.sh"
