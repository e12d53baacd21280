#!/usr/bin/env bash
# One-shot job submitter of docker-compose.yml: waits for the JobManager's REST API, then submits
# the job jar to the session cluster, detached. Does nothing if a StreamCell job already runs (so
# `docker compose up` again does not start a second copy). Pass extra job options as arguments,
# e.g. `submit-job.sh --set parallelism=4`, or a savepoint with FROM_SAVEPOINT=file:///...
set -euo pipefail

REST="http://${JOBMANAGER_HOST:-jobmanager}:${JOBMANAGER_REST_PORT:-8081}"
JOB_NAME="streamcell forecast"   # RunCommand's job name

for attempt in $(seq 1 60); do
  if wget -q -O /dev/null "${REST}/overview"; then
    break
  fi
  if [ "${attempt}" = 60 ]; then
    echo "submitter: no JobManager at ${REST}" >&2
    exit 1
  fi
  echo "submitter: waiting for the JobManager at ${REST} (${attempt}/60)"
  sleep 2
done
# `flink list` prints running and scheduled jobs as "<time> : <job id> : <name> (<state>)".
jobs=$(flink list)
if grep -qF ": ${JOB_NAME} (" <<< "${jobs}"; then
  echo "submitter: '${JOB_NAME}' is already running or scheduled; nothing to do"
  exit 0
fi

savepoint_args=()
if [ -n "${FROM_SAVEPOINT:-}" ]; then
  savepoint_args=(--fromSavepoint "${FROM_SAVEPOINT}")
fi
exec flink run --detached "${savepoint_args[@]}" \
  /opt/flink/usrlib/streamcell.jar \
  run --config /opt/streamcell/job.yaml "$@"
