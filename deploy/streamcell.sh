#!/usr/bin/env bash
# The StreamCell command line inside the job image (the image has no ./streamcell launcher and no
# Maven): the job jar with Flink's lib/ for logging, e.g.
#   docker compose exec jobmanager streamcell consume --topic anomalies --bootstrap-servers kafka:29092
set -euo pipefail
exec java -Dlog4j.configurationFile=/opt/flink/conf/log4j-console.properties \
  -cp "/opt/flink/usrlib/streamcell.jar:/opt/flink/lib/*" io.streamcell.cli.StreamCellCli "$@"
