import { randomBytes } from 'node:crypto';
import { LIMITS, startProxy } from '@samples/emulator';
import { invoke } from '@samples/emulator/deploy';
import { describeWith, emulator, missingServices, uniqueName } from '@samples/emulator/testing';
import { EXPECTED, flatCanvas, lineArt } from '@samples/test-support/images';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DeployedStack, deployStack, type ModelContainer, startModelContainer } from './stack.ts';

// The model server image started through testcontainers as the SageMaker endpoint, the CDK
// stack itself deployed into the emulator with the real CDK CLI in front of it (an existing
// endpoint by name), real images. An HTTP API where the backend serves them, else (LocalStack's
// community code) the stack's REST API variant; INFERENCE_E2E_API=rest picks REST anywhere.
// The function reaches the model through the harness's limiting proxy, which refuses what a
// serverless endpoint would (a body over 4 MB).
let model: ModelContainer;
let modelFront: Awaited<ReturnType<typeof startProxy>>;
let proxy: DeployedStack;
// The handler's default cap: a serverless endpoint's 4 MB payload limit, read as 4,000,000 bytes
// (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-invoke.html).
const MAX_IMAGE_BYTES = 4_000_000;

interface Answer {
  predictions?: { label: string; score: number }[];
  error?: string;
  requestId?: string;
}

async function classify(body: Uint8Array | string, contentType: string, query = '') {
  const res = await fetch(proxy.url(`/classify${query}`), {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer };
}

const api: 'http' | 'rest' =
  process.env.INFERENCE_E2E_API === 'rest' || missingServices('apigatewayv2').length > 0 ? 'rest' : 'http';
const needs = [
  'cloudformation',
  'iam',
  's3',
  'logs',
  'lambda',
  api === 'http' ? 'apigatewayv2' : 'apigateway',
] as const;
const runs = missingServices(...needs).length === 0;

beforeAll(async () => {
  if (!runs) return;
  const info = emulator();
  model = await startModelContainer();
  modelFront = await startProxy({ target: model.url });
  // Functions may run in containers (LocalStack always): the proxy's port as reached from the
  // Docker bridge, which the host reaches as well.
  const gateway = new URL(info.containerEndpoint).hostname;
  proxy = await deployStack({
    stackName: `InferenceProxy-${uniqueName('e2e').replaceAll('-', '')}`.slice(0, 60),
    api,
    env: info.env,
    emulatorEndpoint: info.endpoint,
    modelUrl: `http://${gateway}:${modelFront.port}`,
  });
});

afterAll(async () => {
  await proxy?.remove();
  await modelFront?.stop();
  await model?.stop();
});

describeWith([...needs], `inference-proxy CDK stack (${api.toUpperCase()} API), model container behind it`, () => {
  it('returns the top 3 for real images of known content, highest first', async () => {
    for (const [image, type, label] of [
      [await flatCanvas('png'), 'image/png', EXPECTED.canvas],
      [await lineArt('jpeg'), 'image/jpeg', EXPECTED.lineArt],
      [await lineArt('webp'), 'image/webp', EXPECTED.lineArt],
    ] as const) {
      const res = await classify(image, type);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const predictions = res.body.predictions!;
      expect(predictions).toHaveLength(3);
      expect(predictions[0]!.label).toBe(label);
      expect(predictions.map((p) => p.score)).toEqual([...predictions.map((p) => p.score)].sort((a, b) => b - a));
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('honours ?topK= within its bounds', async () => {
    const one = await classify(await flatCanvas('png'), 'image/png', '?topK=1');
    expect(one.status).toBe(200);
    expect(one.body.predictions).toHaveLength(1);
    expect(one.body.predictions![0]!.label).toBe(EXPECTED.canvas);
    const five = await classify(await flatCanvas('png'), 'image/png', '?topK=5');
    expect(five.body.predictions).toHaveLength(5);
    const bad = await classify(await flatCanvas('png'), 'image/png', '?topK=50');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/topK/);
  });

  it('answers each bad input with its status and a JSON error, no stack trace', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .gif()
      .toBuffer();
    const png = await lineArt('png');
    const corruptPng = Buffer.concat([(await lineArt('png')).subarray(0, 40), randomBytes(200)]);
    const cases: [string, Uint8Array | string, string, number][] = [
      ['empty body', new Uint8Array(0), 'image/png', 400],
      ['text', 'hello, this is not an image!', 'text/plain', 415],
      ['an image as base64 text (only JSON carries base64)', png.toString('base64'), 'text/plain', 415],
      ['JSON without an image', JSON.stringify({ img: png.toString('base64') }), 'application/json', 400],
      ['GIF', gif, 'image/gif', 415],
      ['GIF sent as PNG', gif, 'image/png', 415],
      ['PNG sent as JPEG', await lineArt('png'), 'image/jpeg', 415],
      ['PNG header with a corrupt body', corruptPng, 'image/png', 400],
    ];
    for (const [what, body, type, expected] of cases) {
      const res = await classify(body, type);
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(expected);
      const reasons: Record<number, RegExp> = {
        400: /image|body/,
        415: /JPEG, PNG or WebP|content type/,
      };
      const why = reasons[expected];
      expect(res.body.error, what).toMatch(why as RegExp);
      expect(JSON.stringify(res.body), what).not.toMatch(/\bat .*\.(m?js|ts):\d+/);
      expect(res.headers.get('x-request-id'), what).toMatch(/^[\w-]{8,}$/);
      expect(res.body.requestId, what).toBe(res.headers.get('x-request-id'));
    }
  });

  it('refuses an image one byte over the serverless endpoint limit with 413', async () => {
    const png = await lineArt('png');
    // Below the model server's own 6 MiB cap: only the proxy refuses it, before InvokeEndpoint.
    const oversized = Buffer.concat([png, randomBytes(MAX_IMAGE_BYTES + 1 - png.length)]);
    const res = await classify(oversized, 'image/png');
    expect(res.status, JSON.stringify(res.body)).toBe(413);
    expect(res.body.error).toBe(`the image is ${MAX_IMAGE_BYTES + 1} bytes; the limit is ${MAX_IMAGE_BYTES}`);
  });

  // A stack told its endpoint is instance-based (endpointType=instance) caps images at 4 MiB. In
  // front of a serverless endpoint, what passes that cap and exceeds 4 MB is refused by the
  // endpoint (the harness, as SageMaker would): the caller gets 413, not a 502.
  it('answers 413 when the endpoint refuses the payload as over its limit', async () => {
    await proxy.configure({ MAX_IMAGE_BYTES: String(4 * 1024 * 1024) });
    try {
      const png = await lineArt('png');
      const oversized = Buffer.concat([png, randomBytes(LIMITS.sagemakerServerlessInvoke.bytes + 1 - png.length)]);
      const res = await classify(oversized, 'image/png');
      expect(res.status, JSON.stringify(res.body)).toBe(413);
      expect(res.body.error).toBe('the image is larger than the model endpoint accepts');
    } finally {
      await proxy.configure({ MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES) });
    }
  });

  // API Gateway's front door takes at most 10 MB per request (REST and HTTP APIs); the emulators
  // take any size, so the harness's proxy answers as API Gateway does, before the function.
  it("refuses a body over API Gateway's 10 MB payload limit at the front door with 413", async () => {
    const res = await classify(randomBytes(10_485_761), 'image/png');
    expect(res.status).toBe(413);
    expect(res.headers.get('x-amzn-errortype')).toBe('RequestEntityTooLargeException');
    expect(res.body).toEqual({ message: 'Request Too Long' });
  });

  // An HTTP API passes text content types (application/json among them) as text and
  // base64-encodes the rest (isBase64Encoded); a REST API base64-encodes only its binary media
  // types, which application/json is not. The emulators do the same.
  it('takes the image as JSON {"image": base64}, the form the API description names', async () => {
    const res = await classify(
      JSON.stringify({ image: (await lineArt('jpeg')).toString('base64') }),
      'application/json',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.predictions![0]!.label).toBe(EXPECTED.lineArt);
  });

  it('refuses a repeated topK instead of picking one', async () => {
    const res = await classify(await flatCanvas('png'), 'image/png', '?topK=1&topK=5');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/topK once/);
  });

  it('answers a CORS preflight (the HTTP API CORS configuration, or the REST API mock integration)', async () => {
    const res = await fetch(proxy.url('/classify'), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('handles a REST API (v1) proxy event the same way', async () => {
    const image = await lineArt('png');
    const { payload } = await invoke<{ statusCode: number; headers: Record<string, string>; body: string }>(
      proxy.functionName,
      {
        resource: '/classify',
        path: '/classify',
        httpMethod: 'POST',
        headers: { 'Content-Type': 'image/png' },
        queryStringParameters: { topK: '2' },
        multiValueQueryStringParameters: { topK: ['2'] },
        isBase64Encoded: true,
        body: image.toString('base64'),
        requestContext: { requestId: 'rest-api-request-1', httpMethod: 'POST', stage: 'prod' },
      },
    );
    expect(payload.statusCode).toBe(200);
    expect(payload.headers['x-request-id']).toBe('rest-api-request-1');
    const body = JSON.parse(payload.body) as Answer;
    expect(body.predictions).toHaveLength(2);
    expect(body.predictions![0]!.label).toBe(EXPECTED.lineArt);
  });

  it('reads a REST API (v1) body as text unless isBase64Encoded, and every topK of multiValueQueryStringParameters', async () => {
    const image = await lineArt('png');
    const rest = (over: Record<string, unknown>) => ({
      resource: '/classify',
      path: '/classify',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'image/png' },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      isBase64Encoded: true,
      body: image.toString('base64'),
      requestContext: { requestId: 'rest-api-request-2', httpMethod: 'POST', stage: 'prod' },
      ...over,
    });
    type Reply = { statusCode: number; body: string };
    // Without image/png among a REST API's binary media types, the body is text, never decoded.
    const text = await invoke<Reply>(proxy.functionName, rest({ isBase64Encoded: false }));
    expect(text.payload.statusCode).toBe(415);
    expect(JSON.parse(text.payload.body).error).toMatch(/binary media types/);
    const repeated = await invoke<Reply>(
      proxy.functionName,
      rest({ queryStringParameters: { topK: '5' }, multiValueQueryStringParameters: { topK: ['1', '5'] } }),
    );
    expect(repeated.payload.statusCode).toBe(400);
    expect(JSON.parse(repeated.payload.body).error).toMatch(/topK once/);
  });

  it('answers other methods of a REST API (v1) event: OPTIONS 204, GET 405', async () => {
    const event = (httpMethod: string) => ({
      resource: '/classify',
      path: '/classify',
      httpMethod,
      headers: {},
      queryStringParameters: null,
      isBase64Encoded: false,
      body: null,
      requestContext: { requestId: `rest-${httpMethod}`, httpMethod },
    });
    const options = await invoke<{ statusCode: number; headers: Record<string, string> }>(
      proxy.functionName,
      event('OPTIONS'),
    );
    expect(options.payload.statusCode).toBe(204);
    const get = await invoke<{ statusCode: number; body: string }>(proxy.functionName, event('GET'));
    expect(get.payload.statusCode).toBe(405);
    expect(JSON.parse(get.payload.body).error).toMatch(/POST/);
  });

  it('gives 502 or 503, not a crash, once the model container is gone', async () => {
    await model.stop();
    const res = await classify(await flatCanvas('png'), 'image/png');
    expect([502, 503]).toContain(res.status);
    expect(res.body.error).toMatch(/^the model endpoint /);
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
  });
});
