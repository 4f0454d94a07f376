# Lambda runtime image for python3.13 (CDK's own custom resources, such as its bucket-notification
# handler, are python3.13 functions), mapped like the Node one. Debian 13's python3 is 3.13.
# /var/runtime/bootstrap starts AWS's runtime interface client for Python (PyPI awslambdaric,
# Apache-2.0); boto3 is there as in Lambda's Python runtime. The wheels (lambda-python-requirements.txt)
# are downloaded on the host by build.sh. Node runs only LocalStack's init (lambda-init/init.cjs),
# never function code.
ARG DEBIAN_IMAGE=debian:trixie-slim
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE} AS node

FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY lambda-python-requirements.txt /tmp/requirements.txt
COPY py-wheels /tmp/wheels
RUN python3 -m venv /var/lang \
 && /var/lang/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheels -r /tmp/requirements.txt \
 && rm -rf /tmp/wheels \
 && groupadd --gid 990 sbx_user1051 && useradd --uid 993 --gid 990 --no-create-home --shell /sbin/nologin sbx_user1051 \
 && mkdir -p /var/task /var/runtime /opt && chmod 755 /var/task /var/runtime /opt
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY lambda-bootstrap-python.sh /var/runtime/bootstrap
RUN chmod 755 /var/runtime/bootstrap
ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime LANG=en_US.UTF-8 \
    AWS_EXECUTION_ENV=AWS_Lambda_python3.13 PATH=/var/lang/bin:$PATH PYTHONPATH=/var/runtime
WORKDIR /var/task
