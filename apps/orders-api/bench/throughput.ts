/**
 * pnpm --filter @samples/orders-api bench   (BENCH_REQUESTS=N per run, default 500; BENCH_ROUNDS, default 7)
 *
 * POST /orders requests/s and latency p50/p99 at a few concurrencies against the API's
 * container, beside a minimal node:http baseline (bench/baseline.ts) in the same image doing
 * the same AWS calls (PutItem, SendMessage), both reaching the emulator through the harness's
 * proxy. Runs are interleaved per concurrency (A B, then B A, ...); the ratio is the baseline's
 * requests/s over the API's, per round: its median with min and max, recorded in bench-results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Figure, inTurn, machineFacts, ratioText, recordResults, spread } from '@samples/bench';
import { bundleNode } from '@samples/build';
import { startEmulator } from '@samples/emulator';
import { PACKAGE_DIR } from '../scripts/build.ts';
import { buildOrdersApiImage } from '../test/image.ts';

const N = Number(process.env.BENCH_REQUESTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONCURRENCIES = [1, 8, 32];

const emu = await startEmulator();
Object.assign(process.env, emu.env);
const containers: string[] = [];

async function waitHealthy(url: string) {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became healthy`);
}

function run(args: string[]): string {
  const id = execFileSync('docker', ['run', '-d', '-p', '127.0.0.1::8080', ...args], { encoding: 'utf8' }).trim();
  containers.push(id);
  const port = execFileSync('docker', ['port', id, '8080/tcp'], { encoding: 'utf8' }).trim().split(':').pop();
  return `http://127.0.0.1:${port}`;
}

const cart = (i: number) =>
  JSON.stringify({
    customer: { id: `c-${i % 17}`, email: `c${i % 17}@example.com` },
    currency: 'EUR',
    items: [{ sku: `SKU-${i % 9}`, quantity: 1 + (i % 4), unitPrice: 250 * ((i % 7) + 1) }],
  });

let seq = 0;
/** `n` POSTs with `concurrency` in flight: requests/s and latency percentiles. */
async function load(url: string, concurrency: number, n: number) {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const i = seq++;
        const s = performance.now();
        const res = await fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${i}` },
          body: cart(i),
        });
        await res.arrayBuffer();
        if (res.status !== 202) failed++;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  if (failed) throw new Error(`${failed}/${n} requests not answered 202 by ${url}`);
  return { rps: n / seconds, p50: pct(50), p99: pct(99) };
}

try {
  const sqs = new SQSClient({});
  const ddb = new DynamoDBClient({});
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-orders-${Date.now()}` }))).QueueUrl!;
  const table = `bench-requests-${Date.now()}`;
  await ddb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
    }),
  );
  const image = await buildOrdersApiImage();
  const benchDir = join(PACKAGE_DIR, 'dist', 'bench');
  mkdirSync(benchDir, { recursive: true });
  await bundleNode(join(PACKAGE_DIR, 'bench', 'baseline.ts'), join(benchDir, 'baseline.mjs'));

  // Both containers reach the emulator through the harness's proxy at the Docker gateway.
  const proxy = `http://${new URL(emu.containerEndpoint).hostname}:${new URL(emu.endpoint).port}`;
  const queue = new URL(queueUrl);
  queue.host = new URL(proxy).host;
  const env = {
    ORDERS_QUEUE_URL: queue.toString(),
    REQUESTS_TABLE: table,
    ORDERS_TABLE: 'unused-orders',
    REJECTIONS_TABLE: 'unused-rejections',
    AWS_ENDPOINT_URL: proxy,
    LOG_LEVEL: 'warn',
    ...Object.fromEntries(
      ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((k) => [k, emu.env[k] ?? '']),
    ),
  };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const variants = {
    api: run([...envArgs, image]),
    baseline: run([...envArgs, '-v', `${benchDir}:/bench:ro`, '--entrypoint', 'node', image, '/bench/baseline.mjs']),
  };
  for (const url of Object.values(variants)) {
    await waitHealthy(url);
    await load(url, 4, 50); // warm-up: connections, JIT, the SDK's first calls
  }

  console.log(`orders-api bench (${emu.backend}, ${N} POSTs per run, ${ROUNDS} rounds per concurrency, A B then B A)`);
  console.log(
    '  concurrency | api req/s  p50 ms  p99 ms | baseline req/s  p50 ms  p99 ms | baseline/api req/s: median (min-max)',
  );
  const figures: Figure[] = [];
  for (const c of CONCURRENCIES) {
    const { a, b } = await inTurn(
      ROUNDS,
      () => load(variants.api, c, N),
      () => load(variants.baseline, c, N),
    );
    const ratio = spread(a.map((x, i) => (b[i]?.rps ?? 0) / x.rps));
    const med = (xs: number[]) => spread(xs).median;
    const f = (xs: number[]) => med(xs).toFixed(1).padStart(6);
    console.log(
      `  ${String(c).padStart(11)} | ${f(a.map((x) => x.rps))}  ${f(a.map((x) => x.p50))}  ${f(a.map((x) => x.p99))} |` +
        `      ${f(b.map((x) => x.rps))}  ${f(b.map((x) => x.p50))}  ${f(b.map((x) => x.p99))} |` +
        ` ${ratioText(ratio)}`,
    );
    figures.push({
      figure: `time per POST /orders at concurrency ${c} (container, emulator)`,
      value: `${med(a.map((x) => x.rps)).toFixed(1)} req/s, p50 ${med(a.map((x) => x.p50)).toFixed(1)} ms, p99 ${med(a.map((x) => x.p99)).toFixed(1)} ms`,
      baseline: 'node:http handler making the same AWS calls (bench/baseline.ts)',
      ratio,
    });
  }
  recordResults('orders-api', figures, machineFacts({ backend: emu.backend }));
} finally {
  for (const id of containers) execFileSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
  await emu.stop();
}
