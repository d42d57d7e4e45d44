#!/usr/bin/env bash
# `make run`: bucketlist against real AWS: spawn-fcgi + the worker + an
# unprivileged nginx on 127.0.0.1:${BUCKETLIST_PORT:-8080}, no emulator.
#
#   BUCKETLIST_SECRET_ID=bucketlist/s3-credentials make run
#
# The worker's bootstrap identity comes from your usual AWS credential chain
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], AWS_PROFILE and
# ~/.aws, web identity, ECS/EKS container credentials, EC2 instance role); it
# needs only secretsmanager:GetSecretValue on that secret (plus kms:Decrypt if
# the secret uses a customer managed key). The secret holds the S3 identity:
#   {"AWS_ACCESS_KEY_ID": "...", "AWS_SECRET_ACCESS_KEY": "...", "AWS_REGION": "us-east-2"}
# which needs s3:ListAllMyBuckets. See README.md.
#
# Stop with Ctrl-C, or scripts/run.sh --stop (same PID files as the demo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--stop" ]; then
  exec "$here/demo.sh" --stop
fi
if [ -z "${BUCKETLIST_SECRET_ID:-}" ]; then
  cat >&2 <<'MSG'
run: BUCKETLIST_SECRET_ID is not set.
  Set it to the name or ARN of the Secrets Manager secret that holds the S3 credentials:
      BUCKETLIST_SECRET_ID=bucketlist/s3-credentials make run
  Create one with the AWS CLI:
      aws secretsmanager create-secret --name bucketlist/s3-credentials \
          --secret-string file://s3-credentials.json
  (For a local try-out without AWS, use 'make demo'.)
MSG
  exit 1
fi
exec "$here/demo.sh" --aws "$@"
