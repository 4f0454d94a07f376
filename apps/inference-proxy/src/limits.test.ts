// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import {
  API_GATEWAY_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  LAMBDA_MAX_IMAGE_BYTES,
  MODEL_ATTEMPTS,
  maxImageBytesFor,
  SERVERLESS_MAX_PAYLOAD_BYTES,
  timeoutsFor,
} from './limits.ts';
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

describe('maxImageBytesFor', () => {
  it('is the serverless payload limit for serverless endpoints and the function limit otherwise', () => {
    expect(maxImageBytesFor('serverless')).toBe(SERVERLESS_MAX_PAYLOAD_BYTES);
    expect(maxImageBytesFor('instance')).toBe(LAMBDA_MAX_IMAGE_BYTES);
    expect(DEFAULT_MAX_IMAGE_BYTES).toBe(maxImageBytesFor('serverless'));
  });
  // Lambda: 6 MB per synchronous request (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
  // the image travels base64-encoded in the event, 4 characters per 3 bytes.
  it('leaves room in a 6 MB Lambda request for the base64 image and the rest of the event', () => {
    for (const type of ['serverless', 'instance'] as const) {
      expect(Math.ceil(maxImageBytesFor(type) / 3) * 4 + 64 * 1024).toBeLessThan(6_000_000);
    }
  });
});

describe('timeoutsFor', () => {
  it('keeps every model attempt inside the function and the function inside API Gateway', () => {
    for (const modelMs of [1_000, 5_000, 10_000, 11_000]) {
      const t = timeoutsFor(modelMs);
      expect(MODEL_ATTEMPTS * (CONNECT_TIMEOUT_MS + modelMs)).toBeLessThan(t.functionTimeoutSeconds * 1000);
      expect(t.functionTimeoutSeconds * 1000).toBeLessThan(t.integrationTimeoutMs);
      expect(t.integrationTimeoutMs).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_MS);
    }
    expect(timeoutsFor().functionTimeoutSeconds).toBe(26);
  });
  it('refuses a model timeout that cannot fit, saying what would', () => {
    expect(() => timeoutsFor(12_000)).toThrow(/use at most 11 s/);
  });
});
