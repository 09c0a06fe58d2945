#!/bin/sh
# staff-cli-pg.sh: t/staff-cli.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/staff-cli.sh"
