// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Config } from './config.ts';
import { HttpError, mapInvokeError } from './errors.ts';
import { parseModelResponse, topK } from './predictions.ts';
import { methodOf, type ProxyEvent, parseRequest, requestIdOf } from './request.ts';
import { jsonResult, type ProxyResult } from './response.ts';

export interface ClassifyDeps {
  sagemaker: SageMakerRuntimeClient;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}

/**
 * One API Gateway request (REST v1 or HTTP API v2) -> InvokeEndpoint -> top-K predictions. Every
 * failure is an answer: 4xx for the request, 502/503/504 for the endpoint, 500 for anything else.
 */
export async function classify(
  event: ProxyEvent,
  invocationId: string | undefined,
  { sagemaker, config, logger, metrics }: ClassifyDeps,
): Promise<ProxyResult> {
  const requestId = requestIdOf(event) ?? invocationId ?? 'unknown';
  const reply = (status: number, body: unknown) =>
    jsonResult(status, body, { requestId, allowOrigin: config.corsAllowOrigin });
  // A bounded dimension: a handful of status values.
  const countRefusal = (status: number) => {
    const m = metrics.singleMetric();
    m.addDimension('status', String(status));
    m.addMetric(status < 500 ? 'RequestsRejected' : 'RequestsFailed', MetricUnit.Count, 1);
  };
  logger.appendKeys({ requestId });
  try {
    if (methodOf(event) === 'OPTIONS') return { ...reply(204, undefined), body: '' };
    if (methodOf(event) !== 'POST') throw new HttpError(405, 'use POST with an image body');

    const request = parseRequest(event, { maxImageBytes: config.maxImageBytes });
    const t0 = performance.now();
    const response = await sagemaker
      .send(
        new InvokeEndpointCommand({
          EndpointName: config.endpointName,
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
      endpoint: config.endpointName,
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
    logger.removeKeys(['requestId']);
  }
}
