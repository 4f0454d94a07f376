import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IMAGE_BYTES } from './request.ts';

describe('the image cap follows the endpoint type', () => {
  // "The maximum request and response payload size for serverless invocations is 4 MB."
  // (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html). The page
  // does not say MB or MiB: 4,000,000 bytes is the reading under which nothing the proxy accepts
  // can be refused. The cap applies to the decoded image, which is what InvokeEndpoint carries.
  it('is at most 4,000,000 bytes by default, the serverless endpoint limit', () => {
    expect(DEFAULT_MAX_IMAGE_BYTES).toBeLessThanOrEqual(4_000_000);
  });
});
