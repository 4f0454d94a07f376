# SPDX-License-Identifier: MIT-0
# Container-image variant of the image-resize Lambda function.
# Build context: the bundle directory written by bundleLambda (index.mjs plus
# node_modules/sharp and its @img/* linux-x64 packages), for example:
#   docker build -f docker/image-resize.Dockerfile -t image-resize <bundle dir>
# The base image is AWS's Lambda runtime for Node.js 24 (runtime interface client included);
# it is pulled from its public registry, so build this where that registry is reachable.
ARG BASE_IMAGE=public.ecr.aws/lambda/nodejs:24
FROM ${BASE_IMAGE}
COPY index.mjs ${LAMBDA_TASK_ROOT}/
COPY node_modules ${LAMBDA_TASK_ROOT}/node_modules
# Lambda runs the image as a non-root user whatever USER says; the files only need to be readable.
CMD ["index.handler"]
