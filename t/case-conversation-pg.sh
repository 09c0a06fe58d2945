#!/bin/sh
# case-conversation-pg.sh: t/case-conversation.sh on the PostgreSQL test server.
CONV_ENGINE=postgresql exec sh "$(dirname "$0")/case-conversation.sh"
