# SPDX-License-Identifier: MIT-0
# The SageMaker-compatible model server (apps/model-server).
# Build context: apps/model-server/dist/image, produced on the host by
#   pnpm --filter @samples/model-server build
# (the bundled server and model weights, the WebAssembly binaries and sharp's native parts),
# so the image build downloads nothing:
#   docker build -f docker/model-server.Dockerfile -t samples/model-server apps/model-server/dist/image
ARG BASE_IMAGE=node:24-bookworm-slim
FROM ${BASE_IMAGE}

ENV NODE_ENV=production \
    PORT=8080 \
    TFJS_WASM_DIR=/opt/ml/code/wasm

WORKDIR /opt/ml/code
COPY . .

# SageMaker sends traffic to port 8080 and runs the image as `docker run <image> serve`;
# the extra argument is ignored.
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/ml/code/index.mjs"]
