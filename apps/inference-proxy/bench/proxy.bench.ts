/**
 * Requests/s and p50/p99 latency of classifying one image, in one run:
 *   baseline  POST /invocations straight to the model container
 *   proxy     POST /classify through the emulator's API Gateway -> Lambda -> InvokeEndpoint -> the same container
 * Prints the proxy's overhead (latency difference and ratios to the baseline).
 */
import { startEmulator } from '@samples/emulator';
import { flatCanvas } from '@samples/test-support/images';
import { deployStack, startModelContainer } from '../test/stack.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

interface Result {
  label: string;
  rps: number;
  p50: number;
  p99: number;
}

async function run(label: string, send: () => Promise<Response>): Promise<Result> {
  for (let i = 0; i < 3; i++) await check(await send()); // warm-up
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
  const baseline = await run('model container direct', post(`${model.url}/invocations`));
  const viaProxy = await run('API Gateway -> Lambda -> container', post(proxy.url('/classify')));

  console.log(
    `\n${REQUESTS} requests of a ${image.length}-byte JPEG, concurrency ${CONCURRENCY} (${emulator.backend})`,
  );
  console.log('path'.padEnd(40), 'req/s'.padStart(8), 'p50 ms'.padStart(9), 'p99 ms'.padStart(9));
  for (const r of [baseline, viaProxy]) {
    console.log(
      r.label.padEnd(40),
      r.rps.toFixed(1).padStart(8),
      r.p50.toFixed(1).padStart(9),
      r.p99.toFixed(1).padStart(9),
    );
  }
  console.log(
    `proxy overhead: p50 +${(viaProxy.p50 - baseline.p50).toFixed(1)} ms (x${(viaProxy.p50 / baseline.p50).toFixed(2)}), ` +
      `p99 +${(viaProxy.p99 - baseline.p99).toFixed(1)} ms (x${(viaProxy.p99 / baseline.p99).toFixed(2)}), ` +
      `throughput x${(viaProxy.rps / baseline.rps).toFixed(2)} of direct`,
  );
} finally {
  await proxy.remove();
  await model.stop();
  await emulator.stop();
}
