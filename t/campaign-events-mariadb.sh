#!/bin/sh
# campaign-events-mariadb.sh: t/campaign-events.sh on the MariaDB test server.
EVENTS_ENGINE=mysql exec sh "$(dirname "$0")/campaign-events.sh"
