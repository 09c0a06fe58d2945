#!/bin/sh
# visit-cli-pg.sh: t/visit-cli.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/visit-cli.sh"
