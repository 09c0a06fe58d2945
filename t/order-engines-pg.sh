#!/bin/sh
# order-engines-pg.sh: t/order-engines.sh on the pg test server.
KEFU_ENGINE=postgresql exec sh "$(dirname "$0")/order-engines.sh"
