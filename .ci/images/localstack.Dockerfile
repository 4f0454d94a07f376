# LocalStack's community code, `localstack-core` 4.14.0 from PyPI (Apache-2.0), as an image built
# here: the project's own build, tagged aws-compute-samples/localstack:4.14.0. It is NOT
# LocalStack's published image (localstack/localstack:4.14.0), which no machine without a
# container registry can pull, and whose newer tags need LOCALSTACK_AUTH_TOKEN.
#
# Built by .ci/images/localstack/build.sh (called by .ci/provision.sh), which fetches every input
# on the host: the wheels of localstack/requirements.txt (the lock, CPython 3.13) and of
# localstack/offline-plugins. pip never reaches an index during this build.
#
# What 4.14.0 would fetch at first use, replaced here (and only here, never in workload code):
# - Lambda's `lambda-runtime-init` binary (GitHub releases) -> localstack/lambda-init/init.cjs at
#   the path where LocalStack looks for it, so nothing is downloaded. It speaks LocalStack's
#   executor protocol and serves the Lambda Runtime API to AWS's runtime interface client in the
#   runtime images (localstack/lambda-*.Dockerfile), mapped with LAMBDA_RUNTIME_IMAGE_MAPPING.
# - pulling a runtime image that is already present (4.14.0 always pulls) -> the plugin
#   `use_present_lambda_images` (localstack/offline-plugins).
# - DynamoDB Local and a JRE (downloaded; DynamoDB Local is under its vendor's own licence, not
#   open source) -> the provider `dynamodb:moto` (moto is already a LocalStack dependency).
#
# zip: CloudFormation's Lambda provider zips inline code (Code.ZipFile, as in CDK's custom
# resources) with the zip command.
# Python >= 3.12 is needed (localstack-core 4.14.0 uses PEP 695 syntax although its metadata says
# 3.10): the base is Debian 13 (trixie), whose python3 is 3.13.
ARG DEBIAN_IMAGE=debian:trixie-slim

FROM ${DEBIAN_IMAGE} AS venv
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/code/localstack/.venv \
 && /opt/code/localstack/.venv/bin/pip install --no-cache-dir --no-index --find-links /tmp/wheels \
      -r /tmp/requirements.txt samples-localstack-offline \
 && /opt/code/localstack/.venv/bin/python -m compileall -q /opt/code/localstack/.venv/lib

FROM ${DEBIAN_IMAGE}
LABEL org.opencontainers.image.title="LocalStack community code 4.14.0 (localstack-core from PyPI), built locally" \
      org.opencontainers.image.description="Not LocalStack's published image. Offline replacements: Lambda init, DynamoDB on moto, present runtime images not pulled." \
      org.opencontainers.image.licenses="Apache-2.0" \
      aws-compute-samples.replaced="Lambda's lambda-runtime-init (a GitHub download) by a Node.js init serving the Lambda Runtime API to AWS's runtime interface clients; Lambda runtime images (public.ecr.aws/lambda, not pullable) by aws-compute-samples/lambda:nodejs24.x and :python3.13, built locally and used without a pull; DynamoDB Local and its JRE (a download, under a non-open-source licence) by moto"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 ca-certificates iproute2 zip unzip \
 && rm -rf /var/lib/apt/lists/*
COPY --from=venv /opt/code/localstack /opt/code/localstack
COPY lambda-init/init.cjs /usr/lib/localstack/lambda-runtime/v0.1.41-pre/x86_64/var/rapid/init
RUN chmod 755 /usr/lib/localstack/lambda-runtime/v0.1.41-pre/x86_64/var/rapid/init \
 && mkdir -p /var/lib/localstack /etc/localstack/init/ready.d /tmp/localstack
WORKDIR /opt/code/localstack
# DISABLE_EVENTS: no analytics calls; SKIP_SSL_CERT_DOWNLOAD: a self-signed certificate instead
# of a download; DNS_ADDRESS=0: no DNS server (nothing here resolves localhost.localstack.cloud).
# SQS_ENDPOINT_STRATEGY=path: queue URLs <endpoint>/<account>/<queue>, usable through any
# published port (the default names hosts such as sqs.<region>.localhost).
ENV PATH=/opt/code/localstack/.venv/bin:$PATH \
    GATEWAY_LISTEN=0.0.0.0:4566 \
    DISABLE_EVENTS=1 \
    SKIP_SSL_CERT_DOWNLOAD=1 \
    DNS_ADDRESS=0 \
    SQS_ENDPOINT_STRATEGY=path \
    PROVIDER_OVERRIDE_DYNAMODB=moto \
    LAMBDA_RUNTIME_IMAGE_MAPPING=aws-compute-samples/lambda:<runtime>
EXPOSE 4566
VOLUME /var/lib/localstack
ENTRYPOINT ["python3", "-m", "localstack.runtime.main"]
