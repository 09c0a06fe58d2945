#!/bin/sh
# case-conversation-mariadb.sh: t/case-conversation.sh on the MariaDB test
# server.
CONV_ENGINE=mysql exec sh "$(dirname "$0")/case-conversation.sh"
