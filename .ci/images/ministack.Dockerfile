# The pinned ministack release as a container image, for Docker hosts that cannot pull
# ministackorg/ministack. Wheels are downloaded on the host (pip through the host's
# trust store) and installed offline; Node runs the Lambda functions ministack executes,
# boto3 is there for Python ones (CDK's custom resource handlers), as in Lambda's runtime.
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/ministack \
 && /opt/ministack/bin/pip install --no-index --find-links /tmp/wheels ministack docker boto3 \
 && rm -rf /tmp/wheels
COPY node /usr/local/bin/node
ENV PATH=/opt/ministack/bin:$PATH GATEWAY_PORT=4566
EXPOSE 4566
CMD ["ministack"]
