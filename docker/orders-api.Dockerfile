# SPDX-License-Identifier: MIT-0
# The orders API (apps/orders-api): one esbuild bundle on Node 24, running as a non-root user.
# Build context: apps/orders-api/dist/image, produced on the host by
#   pnpm --filter @samples/orders-api build
# (Fastify, pino, zod and the AWS SDK inside the bundle), so the image build downloads nothing:
#   docker build -f docker/orders-api.Dockerfile -t aws-compute-samples/orders-api:local apps/orders-api/dist/image
ARG BASE_IMAGE=node:24-bookworm-slim

# Stage 1: the bundle, checked to load under the target Node before it is shipped.
FROM ${BASE_IMAGE} AS app
WORKDIR /app
COPY index.mjs ./
RUN node --check index.mjs

FROM ${BASE_IMAGE}
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY --from=app /app/index.mjs ./
# The official Node image's unprivileged user. Node is PID 1 (no shell in between), so it
# receives the SIGTERM that ECS sends and drains before it exits.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "/app/index.mjs"]
