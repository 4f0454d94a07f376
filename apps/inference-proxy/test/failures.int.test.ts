import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_CREDENTIALS } from '@samples/emulator';
import { captureLogs } from '@samples/test-support/logs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Failures a real model container cannot produce on demand (a hung endpoint, SageMaker
// throttling, a model crashing with 500), each served by a real HTTP server that answers
// as the SageMaker runtime does; the real handler module (middy, Logger, Metrics, Tracer) calls it
// through the real SDK.
type Behaviour = 'hang' | 'throttle' | 'crash' | 'not-json';
let behaviour: Behaviour = 'hang';
let server: Server;
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (behaviour === 'hang') return; // never answers
    if (behaviour === 'throttle') {
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' });
      return res.end(JSON.stringify({ message: 'Rate exceeded' }));
    }
    if (behaviour === 'crash') {
      res.writeHead(424, { 'content-type': 'application/json', 'x-amzn-errortype': 'ModelError' });
      return res.end(JSON.stringify({ message: 'boom', OriginalStatusCode: 500, OriginalMessage: 'boom' }));
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>not json</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, TEST_CREDENTIALS, {
    AWS_REGION: 'us-east-1',
    ENDPOINT_NAME: 'image-classifier',
    MODEL_TIMEOUT_MS: '300',
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  ({ handler } = await import('../src/handler.ts'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
// The README's sample HTTP API event, as AWS sends it, with this file's PNG and request id.
const sample = JSON.parse(readFileSync(new URL('../events/http-api.json', import.meta.url), 'utf8'));
const event: APIGatewayProxyEventV2 = {
  ...sample,
  body: PNG.toString('base64'),
  requestContext: { ...sample.requestContext, requestId: 'int-req' },
};
const context = {
  awsRequestId: 'ctx-req',
  functionName: 'inference-proxy',
  functionVersion: '3',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:inference-proxy:live',
  memoryLimitInMB: '512',
} as Context;

describe('InvokeEndpoint failures', () => {
  it('logs them as JSON with the invocation (request id, function, cold start)', async () => {
    behaviour = 'throttle';
    const logs = await captureLogs(() => handler(event, context));
    const failure = logs.find((l) => l.message === 'InvokeEndpoint failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      service: 'inference-proxy',
      requestId: 'int-req',
      function_request_id: 'ctx-req',
      function_name: 'inference-proxy',
      function_arn: context.invokedFunctionArn,
      status: 503,
    });
    expect(typeof failure?.cold_start).toBe('boolean');
    // Counted by status as a CloudWatch metric, in embedded metric format.
    const emf = logs.find((l) => l.RequestsFailed !== undefined);
    expect(emf).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'InferenceProxy', Dimensions: [['service', 'status']] }] },
      status: '503',
      RequestsFailed: 1,
    });
  });

  it.each<[Behaviour, number]>([
    ['hang', 504],
    ['throttle', 503],
    ['crash', 502],
    ['not-json', 502],
  ])('%s -> %i with a JSON error', async (b, status) => {
    behaviour = b;
    const res = await handler(event, context);
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toMatchObject({ requestId: 'int-req' });
    expect(JSON.parse(res.body).error).toEqual(expect.any(String));
  });
});
