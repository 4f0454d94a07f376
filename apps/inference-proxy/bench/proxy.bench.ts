/**
 * Requests/s and p50/p99 latency of classifying one image, in one run:
 *   baseline  POST /invocations straight to the model container
 *   proxy     POST /classify through the emulator's API Gateway -> Lambda -> InvokeEndpoint -> the same container
 * in rounds, both paths in turn. Prints and records (bench-results/) the proxy's overhead: the p50
 * and p99 differences and the throughput ratio, each taken round by round, median with its range.
 *
 * Then the handler's own overhead, in this process and one request at a time: the handler module
 * as deployed (middy, Logger, Metrics, Tracer as on Lambda) against a bare InvokeEndpoint on an
 * SDK client, both to the same container. That is the part of the p50 overhead this code owns; the
 * emulator's API Gateway and Lambda stand in for AWS's, whose hops only an account can time.
 */
import { readFileSync } from 'node:fs';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { inTurn, machineFacts, ratioText, recordResults, type Spread, spread } from '@samples/bench';
import { startEmulator } from '@samples/emulator';
import { flatCanvas } from '@samples/test-support/images';
import { lambdaContext, lambdaRuntimeEnv } from '@samples/test-support/lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { deployStack, PACKAGE_DIR, startModelContainer } from '../test/stack.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);
const ROUNDS = Number(process.env.BENCH_PAIRS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

interface Result {
  label: string;
  rps: number;
  p50: number;
  p99: number;
}

async function run(label: string, send: () => Promise<Response>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const t = performance.now();
        await check(await send());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { label, rps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99) };
}

/**
 * `REQUESTS` pairs of calls one after the other, a then b (b then a every other pair): the
 * median of the pairs' differences (b - a) and the ratio of b's median to a's. The model's own
 * time moves by more than the difference from call to call; neighbouring calls share it.
 */
async function inPairs(a: () => Promise<void>, b: () => Promise<void>): Promise<{ diff: number; ratio: number }> {
  const time = async (call: () => Promise<void>) => {
    const t = performance.now();
    await call();
    return performance.now() - t;
  };
  const { a: as, b: bs } = await inTurn(
    REQUESTS,
    () => time(a),
    () => time(b),
  );
  return {
    diff: spread(bs.map((x, i) => x - (as[i] as number))).median,
    ratio: spread(bs).median / spread(as).median,
  };
}

async function check(res: Response): Promise<void> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text}`);
}

const emulator = await startEmulator();
Object.assign(process.env, emulator.env);
const model = await startModelContainer();
// The stack users deploy (HTTP API), in front of the model container; functions may run in
// containers, so the model's port as reached from the Docker bridge.
const proxy = await deployStack({
  stackName: `InferenceProxyBench${Date.now().toString(36)}`,
  api: 'http',
  env: emulator.env,
  emulatorEndpoint: emulator.endpoint,
  modelUrl: `http://${new URL(emulator.containerEndpoint).hostname}:${model.container.getMappedPort(8080)}`,
});
try {
  const image = await flatCanvas('jpeg');
  const post = (url: string) => () =>
    fetch(url, { method: 'POST', body: image, headers: { 'content-type': 'image/jpeg' } });
  const direct = post(`${model.url}/invocations`);
  const viaProxy = post(proxy.url('/classify'));
  await run('warm-up', direct);
  await run('warm-up', viaProxy);
  // Rounds of both paths in turn (order flipped each round): the p50 difference is taken within
  // each round, so load on the shared machine moves both sides of it together.
  const paths = await inTurn(
    ROUNDS,
    () => run('model container direct', direct),
    () => run('API Gateway -> Lambda -> container', viaProxy),
  );
  const rounds = paths.a.map((d, i) => ({ direct: d, proxy: paths.b[i] as Result }));
  const p50Overhead = spread(rounds.map((r) => r.proxy.p50 - r.direct.p50));
  const p99Overhead = spread(rounds.map((r) => r.proxy.p99 - r.direct.p99));
  const rpsRatio = spread(rounds.map((r) => r.proxy.rps / r.direct.rps));
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
  const ms = (x: Spread) => `${signed(x.median)} ms (${signed(x.min)} to ${signed(x.max)})`;
  console.log(
    `\n${ROUNDS} rounds of ${REQUESTS} requests each way, a ${image.length}-byte JPEG, concurrency ${CONCURRENCY} (${emulator.backend})`,
  );
  console.log(`model container direct: p50 ${spread(rounds.map((r) => r.direct.p50)).median.toFixed(1)} ms`);
  console.log(`through the proxy:      p50 ${spread(rounds.map((r) => r.proxy.p50)).median.toFixed(1)} ms`);
  console.log(
    `proxy overhead: p50 ${ms(p50Overhead)}, p99 ${ms(p99Overhead)}, throughput ${ratioText(rpsRatio)} of direct`,
  );

  // In process: the deployed handler module against a bare SDK call, to the same container.
  Object.assign(process.env, lambdaRuntimeEnv(PACKAGE_DIR), {
    ENDPOINT_NAME: proxy.outputs.EndpointName,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: model.url,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  const { handler } = (await import('../src/handler.ts')) as {
    handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  };
  const sample = JSON.parse(readFileSync(new URL('../events/http-api.json', import.meta.url), 'utf8'));
  const event: APIGatewayProxyEventV2 = {
    ...sample,
    headers: { ...sample.headers, 'content-type': 'image/jpeg', 'content-length': String(image.length) },
    body: image.toString('base64'),
  };
  const context = lambdaContext('inference-proxy');
  const viaHandler = async () => {
    const res = await handler(event, context);
    if (res.statusCode !== 200) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
  };
  const bare = new SageMakerRuntimeClient({});
  const viaSdk = async () => {
    const res = await bare.send(
      new InvokeEndpointCommand({
        EndpointName: proxy.outputs.EndpointName,
        ContentType: 'image/jpeg',
        Accept: 'application/json',
        Body: image,
      }),
    );
    JSON.parse(new TextDecoder().decode(res.Body));
  };
  await inPairs(viaSdk, viaHandler);
  const inProcess: { diff: number; ratio: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) inProcess.push(await inPairs(viaSdk, viaHandler));
  const handlerOverhead = spread(inProcess.map((r) => r.diff));
  const handlerRatio = spread(inProcess.map((r) => r.ratio));
  console.log(
    `in process, one at a time, ${ROUNDS} rounds of ${REQUESTS} pairs: the handler over a bare InvokeEndpoint ` +
      `${ms(handlerOverhead)} (median of the pairs' differences), ${ratioText(handlerRatio)} of its time`,
  );
  recordResults(
    'inference-proxy',
    [
      {
        figure: `overhead of the handler (in process: middy, Powertools, validation, response) over a bare InvokeEndpoint, median of paired calls`,
        value: ms(handlerOverhead),
        baseline: 'bare InvokeEndpoint, median time',
        ratio: handlerRatio,
        target: '<= +5 ms',
        met: handlerOverhead.median <= 5,
      },
      {
        figure: `p50 overhead of API Gateway -> Lambda -> InvokeEndpoint (emulator) over the model direct`,
        value: ms(p50Overhead),
      },
      { figure: 'p99 overhead', value: ms(p99Overhead) },
      {
        figure: 'throughput through the proxy',
        value: `concurrency ${CONCURRENCY}`,
        baseline: 'model direct',
        ratio: rpsRatio,
      },
    ],
    machineFacts({ backend: emulator.backend }),
  );
} finally {
  await proxy.remove();
  await model.stop();
  await emulator.stop();
}
