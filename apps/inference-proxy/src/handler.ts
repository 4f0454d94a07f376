// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { HttpError, mapInvokeError } from './errors.ts';
import { CONNECT_TIMEOUT_MS, DEFAULT_MODEL_TIMEOUT_MS, MODEL_ATTEMPTS } from './limits.ts';
import { parseModelResponse, topK } from './predictions.ts';
import { DEFAULT_MAX_IMAGE_BYTES, methodOf, type ProxyEvent, parseRequest, requestIdOf } from './request.ts';
import { jsonResult, type ProxyResult } from './response.ts';

const config = z
  .object({
    ENDPOINT_NAME: z.string().min(1, { error: 'ENDPOINT_NAME is required' }),
    MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_IMAGE_BYTES),
    // Per attempt; the function's timeout must outlast every attempt (limits.ts, timeoutsFor).
    MODEL_TIMEOUT_MS: z.coerce.number().int().positive().default(DEFAULT_MODEL_TIMEOUT_MS),
    // Empty: no CORS headers from the function (an HTTP API with a CORS configuration adds them).
    CORS_ALLOW_ORIGIN: z.string().default('*'),
  })
  .parse(process.env);

const logger = new Logger({ serviceName: 'inference-proxy' });
// CloudWatch metrics as embedded-metric-format log lines: no PutMetricData call, no IAM.
const metrics = new Metrics({ namespace: 'InferenceProxy', serviceName: 'inference-proxy' });

/** Counts an answer that is not a prediction, by its status (a handful of values: a bounded dimension). */
function countRefusal(status: number): void {
  const m = metrics.singleMetric();
  m.addDimension('status', String(status));
  m.addMetric(status < 500 ? 'RequestsRejected' : 'RequestsFailed', MetricUnit.Count, 1);
}
// Endpoint and region come from the environment (AWS_REGION, AWS_ENDPOINT_URL[_SAGEMAKER_RUNTIME]).
const sagemaker = new SageMakerRuntimeClient({
  maxAttempts: MODEL_ATTEMPTS,
  // throwOnRequestTimeout: without it the SDK only logs a warning when the timeout passes.
  requestHandler: {
    connectionTimeout: CONNECT_TIMEOUT_MS,
    requestTimeout: config.MODEL_TIMEOUT_MS,
    throwOnRequestTimeout: true,
  },
});

export async function handler(event: ProxyEvent, context: Context): Promise<ProxyResult> {
  const requestId = requestIdOf(event) ?? context?.awsRequestId ?? 'unknown';
  const reply = (status: number, body: unknown) =>
    jsonResult(status, body, { requestId, allowOrigin: config.CORS_ALLOW_ORIGIN });
  logger.addContext(context);
  metrics.captureColdStartMetric();
  logger.appendKeys({ requestId });
  try {
    if (methodOf(event) === 'OPTIONS') return { ...reply(204, undefined), body: '' };
    if (methodOf(event) !== 'POST') throw new HttpError(405, 'use POST with an image body');

    const request = parseRequest(event, { maxImageBytes: config.MAX_IMAGE_BYTES });
    const t0 = performance.now();
    const response = await sagemaker
      .send(
        new InvokeEndpointCommand({
          EndpointName: config.ENDPOINT_NAME,
          ContentType: request.contentType,
          Accept: 'application/json',
          Body: request.image,
        }),
      )
      .catch((err: unknown) => {
        const mapped = mapInvokeError(err);
        logger.error('InvokeEndpoint failed', { error: err, status: mapped.status });
        throw mapped;
      });
    const predictions = topK(parseModelResponse(response.Body), request.topK);
    logger.info('classified', {
      endpoint: config.ENDPOINT_NAME,
      bytes: request.image.length,
      contentType: request.contentType,
      top: predictions[0],
      modelMs: Math.round(performance.now() - t0),
    });
    metrics.addMetric('PredictionsServed', MetricUnit.Count, 1);
    metrics.addMetric('ModelLatency', MetricUnit.Milliseconds, Math.round(performance.now() - t0));
    return reply(200, { predictions });
  } catch (err) {
    if (err instanceof HttpError) {
      if (err.status < 500) logger.warn('request rejected', { status: err.status, reason: err.message });
      countRefusal(err.status);
      return reply(err.status, { error: err.message, requestId });
    }
    logger.error('unexpected failure', { error: err });
    countRefusal(500);
    return reply(500, { error: 'internal error', requestId });
  } finally {
    metrics.publishStoredMetrics();
    logger.removeKeys(['requestId']);
  }
}
