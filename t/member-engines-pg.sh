#!/bin/sh
# member-engines-pg.sh: t/member-engines.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/member-engines.sh"
