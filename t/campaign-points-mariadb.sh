#!/bin/sh
# campaign-points-mariadb.sh: t/campaign-points.sh with the store on the MariaDB
# test server and the example ERP on the GBK MariaDB.
POINTS_ENGINE=mysql exec sh "$(dirname "$0")/campaign-points.sh"
