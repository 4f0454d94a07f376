/**
 * pnpm --filter @samples/order-processor bench   (BENCH_ORDERS=N per round, default 100; BENCH_PAIRS rounds, default 4)
 *
 * 1. Orders/s through the deployed function: the app's CDK stack deployed twice (SQS event source
 *    mapping, batch size 10, maximum concurrency 10), the second stack's function code replaced
 *    by the raw-SDK baseline; rounds of N orders to each in turn.
 * 2. Handler time per record in-process against the emulator, batches of 10, rounds in turn, and
 *    the DynamoDB and SNS round trips per order each handler makes (counted on its SDK clients).
 * Ratios are taken round by round (median, min-max) and recorded in bench-results/.
 */
import { join } from 'node:path';
import { LambdaClient, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { inTurn, machineFacts, ratioText, recordResults, type Spread, spread } from '@samples/bench';
import { bundleLambda } from '@samples/build';
import { startEmulator } from '@samples/emulator';
import type { Context, SQSEvent } from 'aws-lambda';
import { processorFor } from '../test/processor.ts';
import { deployStack, makeOrder, PACKAGE_DIR, queueDepth, type Stack, scanOrders, sendAll } from '../test/stack.ts';

const N = Number(process.env.BENCH_ORDERS ?? 100);
const ROUNDS = Number(process.env.BENCH_PAIRS ?? 4);
const emu = await startEmulator();
Object.assign(process.env, emu.env);

/** Counts every request a client sends (each attempt: the step after the SDK's retries). */
function countRequests(client: { middlewareStack: { add: (...a: never[]) => void } }, counter: { n: number }): void {
  const add = client.middlewareStack.add as unknown as (
    mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    opts: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ) => void;
  add.call(
    client.middlewareStack,
    (next) => (args) => {
      counter.n++;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchRequestCounter' },
  );
}

async function throughput(stack: Stack, tag: string): Promise<number> {
  const orders = Array.from({ length: N }, (_, i) => ({ body: JSON.stringify(makeOrder(`${tag}-${i}`, i)) }));
  const t0 = performance.now();
  await sendAll(stack.sqs, stack.queueUrl, orders);
  for (;;) {
    const stored = (await scanOrders(stack.ddb, stack.ordersTable)).length;
    if (stored >= N && (await queueDepth(stack.sqs, stack.queueUrl)) === 0) break;
    if (performance.now() - t0 > 180_000) throw new Error(`${tag}: only ${stored}/${N} stored after 180 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return N / ((performance.now() - t0) / 1000);
}

function event(tag: string, from: number): SQSEvent {
  return {
    Records: Array.from({ length: 10 }, (_, i) => ({
      messageId: `${tag}-${from + i}`,
      receiptHandle: 'r',
      body: JSON.stringify(makeOrder(`${tag}-${from + i}`, from + i)),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'b',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:orders',
      awsRegion: 'us-east-1',
    })),
  };
}

const context = {
  functionName: 'bench',
  awsRequestId: 'b',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function perRecord(run: (e: SQSEvent) => Promise<unknown>, tag: string): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i += 10) await run(event(tag, i));
  return (performance.now() - t0) / N;
}

/** a and b in turn for ROUNDS rounds: each side's spread, and b over a round by round. */
async function inTurnSpread(a: (round: number) => Promise<number>, b: (round: number) => Promise<number>) {
  const { a: as, b: bs } = await inTurn(ROUNDS, a, b);
  return { a: spread(as), b: spread(bs), ratio: spread(bs.map((x, i) => x / (as[i] as number))) };
}

const stamp = Date.now().toString(36);
const lib = await deployStack(`bench-orders-${stamp}`);
const base = await deployStack(`bench-baseline-${stamp}`);
try {
  // The same queue, mapping, tables, role and settings: only the code differs.
  const baselineBundle = await bundleLambda({
    entry: join(PACKAGE_DIR, 'bench', 'baseline-handler.ts'),
    outdir: join(PACKAGE_DIR, 'dist', 'bench-baseline'),
  });
  const lambda = new LambdaClient({});
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: base.functionName, ZipFile: baselineBundle.zip }));
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: base.functionName });
  await throughput(lib, 'lib-warm');
  await throughput(base, 'base-warm');
  const deployed = await inTurnSpread(
    (r) => throughput(lib, `lib-${r}`),
    (r) => throughput(base, `base-${r}`),
  );
  process.env.ORDERS_TABLE = base.ordersTable;
  process.env.TOPIC_ARN = base.topicArn;
  process.env.CONFLICTS_TABLE = base.conflictsTable;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { SNSClient } = await import('@aws-sdk/client-sns');
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const libCalls = { ddb: { n: 0 }, sns: { n: 0 } };
  const baseCalls = { ddb: { n: 0 }, sns: { n: 0 } };
  const libDdb = new DynamoDBClient({});
  const libSns = new SNSClient({});
  countRequests(libDdb, libCalls.ddb);
  countRequests(libSns, libCalls.sns);
  const libHandler = processorFor({
    ddb: libDdb,
    sns: libSns,
    config: {
      ordersTable: lib.ordersTable,
      idempotencyTable: lib.idempotencyTable,
      conflictsTable: lib.conflictsTable,
      topicArn: lib.topicArn,
    },
  });
  // Imported only now: its clients are built at module load and must see the emulator's environment.
  const baseline = await import('./baseline-handler.ts');
  countRequests(baseline.ddbClient, baseCalls.ddb);
  countRequests(baseline.sns, baseCalls.sns);
  await perRecord((e) => libHandler(e, context), 'lib-warm');
  await perRecord((e) => baseline.handler(e), 'base-warm');
  for (const c of [libCalls, baseCalls]) c.ddb.n = c.sns.n = 0;
  const inProcess = await inTurnSpread(
    (r) => perRecord((e) => libHandler(e, context), `lib-inproc-${r}`),
    (r) => perRecord((e) => baseline.handler(e), `base-inproc-${r}`),
  );
  const orders = N * ROUNDS;
  const perOrder = (c: { n: number }) => c.n / orders;
  const libTrips = perOrder(libCalls.ddb) + perOrder(libCalls.sns);
  const baseTrips = perOrder(baseCalls.ddb) + perOrder(baseCalls.sns);
  // Costs, Powertools over the baseline: a rate ratio (baseline/powertools orders/s) already is
  // one; a time ratio (baseline/powertools ms) is inverted.
  const invert = (r: Spread): Spread => ({ median: 1 / r.median, min: 1 / r.max, max: 1 / r.min });
  console.log(`order-processor bench (${emu.backend}, ${ROUNDS} rounds of ${N} orders each way, batch size 10)`);
  console.log(
    `  deployed: powertools ${deployed.a.median.toFixed(1)} orders/s, baseline ${deployed.b.median.toFixed(1)} orders/s; time per order, powertools over baseline ${ratioText(deployed.ratio)}`,
  );
  console.log(
    `  handler time per record: powertools ${inProcess.a.median.toFixed(2)} ms, baseline ${inProcess.b.median.toFixed(2)} ms; powertools over baseline ${ratioText(invert(inProcess.ratio))}`,
  );
  console.log(
    `  round trips per order: powertools ${perOrder(libCalls.ddb).toFixed(2)} DynamoDB + ${perOrder(libCalls.sns).toFixed(2)} SNS, ` +
      `baseline ${perOrder(baseCalls.ddb).toFixed(2)} + ${perOrder(baseCalls.sns).toFixed(2)}`,
  );
  recordResults(
    'order-processor',
    [
      {
        figure: 'handler time per record (in-process, emulator)',
        value: `${inProcess.a.median.toFixed(2)} ms`,
        baseline: 'raw-SDK handler with the same guarantee (a lease on the order item, no idempotency table)',
        ratio: invert(inProcess.ratio),
        target: '<= 1.30x',
        met: invert(inProcess.ratio).median <= 1.3,
      },
      {
        figure: 'time per order, deployed (SQS -> Lambda in the emulator)',
        value: `${deployed.a.median.toFixed(1)} orders/s`,
        baseline: 'the same baseline, deployed',
        ratio: deployed.ratio,
        target: '<= 1.30x',
        met: deployed.ratio.median <= 1.3,
      },
      {
        figure: 'DynamoDB + SNS round trips per new order',
        value: `${libTrips.toFixed(2)}`,
        baseline: `the same baseline: ${baseTrips.toFixed(2)}`,
        ratio: { median: libTrips / baseTrips, min: libTrips / baseTrips, max: libTrips / baseTrips },
        target: '<= 1.30x',
        met: libTrips / baseTrips <= 1.3,
      },
    ],
    machineFacts({ backend: emu.backend }),
  );
} finally {
  await lib.remove();
  await base.remove();
  await emu.stop();
}
