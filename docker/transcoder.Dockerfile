# SPDX-License-Identifier: MIT-0
# The transcoder task (apps/transcoder): Node 24 + Debian's ffmpeg, running as a non-root user.
# Build context: apps/transcoder/dist/image, produced on the host by
#   pnpm --filter @samples/transcoder build
# (one esbuild bundle with every dependency inside), so the image build downloads no npm packages:
#   docker build -f docker/transcoder.Dockerfile -t aws-compute-samples/transcoder:local apps/transcoder/dist/image
ARG BASE_IMAGE=node:24-bookworm-slim

# Stage 1: the bundle, checked to load under the target Node before it is shipped.
FROM ${BASE_IMAGE} AS app
WORKDIR /app
COPY index.mjs ./
RUN node --check index.mjs

# Stage 2: the runtime: ffmpeg/ffprobe from Debian and the bundle.
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && ffmpeg -hide_banner -encoders | grep -q libx264
ENV NODE_ENV=production
WORKDIR /app
COPY --from=app /app/index.mjs ./
# The official Node image's unprivileged user; TMPDIR is its own.
USER node
ENV TMPDIR=/tmp
ENTRYPOINT ["node", "/app/index.mjs"]
