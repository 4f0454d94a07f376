/**
 * Requests/s and p50/p99 latency of classifying one image, in one run:
 *   baseline  POST /invocations straight to the model container
 *   proxy     POST /classify through the emulator's API Gateway -> Lambda -> InvokeEndpoint -> the same container
 * in rounds, both paths in turn. Prints and records (bench-results/) the proxy's overhead: the p50
 * and p99 differences and the throughput ratio, each taken round by round, median with its range.
 */
import { machineFacts, ratioText, recordResults, type Spread, spread } from '@samples/bench';
import { startEmulator } from '@samples/emulator';
import { flatCanvas } from '@samples/test-support/images';
import { deployStack, startModelContainer } from '../test/stack.ts';

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
  const rounds: { direct: Result; proxy: Result }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      const d = await run('model container direct', direct);
      rounds.push({ direct: d, proxy: await run('API Gateway -> Lambda -> container', viaProxy) });
    } else {
      const p = await run('API Gateway -> Lambda -> container', viaProxy);
      rounds.push({ direct: await run('model container direct', direct), proxy: p });
    }
  }
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
  recordResults(
    'inference-proxy',
    [
      {
        figure: `p50 overhead of API Gateway -> Lambda -> InvokeEndpoint (emulator) over the model direct`,
        value: ms(p50Overhead),
        target: '<= +5 ms',
        met: p50Overhead.median <= 5,
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
