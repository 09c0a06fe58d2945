#!/bin/sh
# campaign-points-pg.sh: t/campaign-points.sh with the store on the PostgreSQL
# test server and the example ERP on the GBK MariaDB.
POINTS_ENGINE=postgresql exec sh "$(dirname "$0")/campaign-points.sh"
