#!/bin/sh
# campaign-events-pg.sh: t/campaign-events.sh on the PostgreSQL test server.
EVENTS_ENGINE=postgresql exec sh "$(dirname "$0")/campaign-events.sh"
