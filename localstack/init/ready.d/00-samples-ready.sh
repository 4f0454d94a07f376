#!/bin/sh
# Runs inside LocalStack or the ministack container once the emulator is ready
# (both execute /etc/localstack/init/ready.d). The harness copies this folder in.
# Workloads create their own resources per test; this hook only marks readiness in the
# emulator's log, where `docker logs` shows that the hooks ran.
echo "aws-compute-samples: init hooks done"
