"""Replacements, inside the image only, for what localstack-core 4.14.0 fetches at first use.

- ``dynamodb:moto`` (selected with PROVIDER_OVERRIDE_DYNAMODB=moto): DynamoDB served by moto, which
  LocalStack already ships, instead of DynamoDB Local and a JRE that the default provider downloads.
  DynamoDB Local's licence is its vendor's own terms, not an open-source licence.
- ``use_present_lambda_images``: 4.14.0 pulls a function's runtime image even when the Docker engine
  already has it, so a locally built image behind LAMBDA_RUNTIME_IMAGE_MAPPING fails where no
  registry is reachable. A present image is used as it is; a missing one is still pulled.
"""

import logging
from abc import ABC

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.runtime import hooks
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider
from localstack.state import StateVisitor

LOG = logging.getLogger(__name__)


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook, ABC):
    """Every DynamoDB operation goes to moto (MotoFallbackDispatcher); state is moto's."""

    def accept_state_visitor(self, visitor: StateVisitor):
        from moto.dynamodb.models import dynamodb_backends

        visitor.visit(dynamodb_backends)


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.services.moto import MotoFallbackDispatcher

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)


@hooks.on_infra_start()
def use_present_lambda_images():
    from localstack.services.lambda_.invocation import docker_runtime_executor as executor
    from localstack.utils.container_utils.container_client import NoSuchImage

    pull_if_missing = executor._ensure_runtime_image_present

    def ensure_present(image, platform):
        try:
            executor.CONTAINER_CLIENT.inspect_image(image, pull=False)
        except NoSuchImage:
            return pull_if_missing(image, platform)
        executor.PULLED_IMAGES.add((image, platform))

    executor._ensure_runtime_image_present = ensure_present
    LOG.debug("Lambda runtime images present on the Docker host are used without a pull")
