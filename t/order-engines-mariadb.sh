#!/bin/sh
# order-engines-mariadb.sh: t/order-engines.sh on the mariadb test server.
KEFU_ENGINE=mysql exec sh "$(dirname "$0")/order-engines.sh"
