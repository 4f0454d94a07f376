# Builds the official image's name locally (node:24-bookworm-slim) where no registry is
# reachable: the base is a debootstrapped Debian, Node comes from the npm package.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
COPY node /usr/local/bin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version
CMD ["node"]
