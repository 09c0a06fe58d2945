#!/bin/sh
# special-cli-pg.sh: t/special-cli.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/special-cli.sh"
