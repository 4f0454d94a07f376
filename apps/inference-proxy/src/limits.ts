// SPDX-License-Identifier: MIT-0
/**
 * Limits the proxy and its stack share, so that what the function accepts is what the
 * endpoint behind it takes, and its timeouts fit inside API Gateway's.
 */

/** The kinds of SageMaker endpoint the proxy can sit in front of. */
export type EndpointType = 'serverless' | 'instance';

/**
 * Serverless Inference: "The maximum request and response payload size for serverless
 * invocations is 4 MB" (SageMaker developer guide, "Invoke a serverless endpoint"). Read as
 * 4,000,000 bytes, the smaller reading, so nothing the proxy passes on can be refused.
 */
export const SERVERLESS_MAX_PAYLOAD_BYTES = 4_000_000;

/**
 * The function's own limit: Lambda takes at most 6 MB for a synchronous request, and API
 * Gateway hands it the image base64-encoded (a third larger) inside the event. 4 MiB of image
 * is 5.6 MB of base64, leaving room for headers and the rest of the event.
 */
export const LAMBDA_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/** The largest image the proxy should accept in front of an endpoint of this type. */
export function maxImageBytesFor(type: EndpointType): number {
  return type === 'serverless'
    ? Math.min(SERVERLESS_MAX_PAYLOAD_BYTES, LAMBDA_MAX_IMAGE_BYTES)
    : LAMBDA_MAX_IMAGE_BYTES;
}

/** InvokeEndpoint attempts per request (one retry of a throttled or failed call). */
export const MODEL_ATTEMPTS = 2;
/** Time allowed to open a connection to the endpoint, per attempt. */
export const CONNECT_TIMEOUT_MS = 2_000;
/** Default time allowed for the endpoint's answer, per attempt. */
export const DEFAULT_MODEL_TIMEOUT_MS = 10_000;
/**
 * Time the function needs around the model calls: the SDK's back-off before the retry (at most
 * 1 s, after a throttled answer; 200 ms after a timeout), parsing and the reply.
 */
export const FUNCTION_HEADROOM_MS = 1_500;
/**
 * API Gateway's integration timeout: at most 29 s for a REST API (by default), 30 s for an
 * HTTP API. 29 s fits both.
 */
export const API_GATEWAY_TIMEOUT_MS = 29_000;

export interface Timeouts {
  modelTimeoutMs: number;
  functionTimeoutSeconds: number;
  integrationTimeoutMs: number;
}

/**
 * The function's timeout from the model's: every attempt may take its connection and model
 * timeouts, and the function must outlast them all (so a slow model is a 504 from the proxy, not
 * a killed function) yet end before API Gateway stops waiting for it.
 */
export function timeoutsFor(modelTimeoutMs: number = DEFAULT_MODEL_TIMEOUT_MS): Timeouts {
  const needed = MODEL_ATTEMPTS * (CONNECT_TIMEOUT_MS + modelTimeoutMs) + FUNCTION_HEADROOM_MS;
  const functionTimeoutSeconds = Math.ceil(needed / 1000);
  if (functionTimeoutSeconds * 1000 >= API_GATEWAY_TIMEOUT_MS) {
    const most = Math.floor(
      ((API_GATEWAY_TIMEOUT_MS - 1000 - FUNCTION_HEADROOM_MS) / MODEL_ATTEMPTS - CONNECT_TIMEOUT_MS) / 1000,
    );
    throw new Error(
      `a model timeout of ${modelTimeoutMs} ms needs a function timeout of ${functionTimeoutSeconds} s ` +
        `(${MODEL_ATTEMPTS} attempts); API Gateway waits ${API_GATEWAY_TIMEOUT_MS / 1000} s: use at most ${most} s`,
    );
  }
  return { modelTimeoutMs, functionTimeoutSeconds, integrationTimeoutMs: API_GATEWAY_TIMEOUT_MS };
}
