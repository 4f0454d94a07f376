/**
 * How long the harness takes to give a test run an emulator, per way of starting it,
 * in one run: ministack as a local process (the baseline) and as a container, and
 * LocalStack when its image is on the host. Prints medians and ratios to the baseline.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ratioText, spread } from '@samples/bench';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { LOCALSTACK_IMAGE, MINISTACK_IMAGE, MINISTACK_VERSION, startEmulator } from '../src/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const localImage = `aws-compute-samples/ministack:${MINISTACK_VERSION}`;

const client = await getContainerRuntimeClient().catch(() => undefined);
const has = async (image: string) => (client ? client.image.exists(ImageName.fromString(image)) : false);
const ministackImage = (await has(MINISTACK_IMAGE))
  ? MINISTACK_IMAGE
  : (await has(localImage))
    ? localImage
    : undefined;

const ways: { label: string; env: Record<string, string> }[] = [
  { label: 'ministack process', env: { AWS_EMULATOR: 'ministack', MINISTACK_MODE: 'process' } },
];
if (ministackImage) {
  ways.push({
    label: `ministack container (${ministackImage})`,
    env: { AWS_EMULATOR: 'ministack', MINISTACK_MODE: 'container', MINISTACK_IMAGE: ministackImage },
  });
}
if (await has(LOCALSTACK_IMAGE)) ways.push({ label: LOCALSTACK_IMAGE, env: { AWS_EMULATOR: 'localstack' } });

const median = (xs: number[]) => (xs.length ? spread(xs).median : Number.NaN);
const results: { label: string; start: number; firstCall: number; ratios: number[] }[] = [];
const starts = new Map<string, number[]>(ways.map((w) => [w.label, []]));
const calls = new Map<string, number[]>(ways.map((w) => [w.label, []]));
const failed = new Map<string, string>();
// The ways in turn, round after round (the bench method): neighbouring runs share the machine's load.
for (let i = 0; i < ROUNDS; i++) {
  for (const way of ways) {
    if (failed.has(way.label)) continue;
    const t0 = performance.now();
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    try {
      emulator = await startEmulator({ ...process.env, ...way.env });
    } catch (error) {
      failed.set(way.label, (error as Error).message.split('\n').find((l) => l.includes('failed:')) ?? String(error));
      continue;
    }
    const t1 = performance.now();
    const s3 = new S3Client({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: `bench-${i}` }));
    await s3.send(new PutObjectCommand({ Bucket: `bench-${i}`, Key: 'k', Body: 'v' }));
    const t2 = performance.now();
    await emulator.stop();
    starts.get(way.label)?.push(t1 - t0);
    calls.get(way.label)?.push(t2 - t1);
  }
}
// Each way's start over the baseline's in the same round, pair by pair.
const baseStarts = starts.get(ways[0]?.label ?? '') ?? [];
for (const way of ways) {
  const s = starts.get(way.label) ?? [];
  const ratios = s.slice(0, baseStarts.length).map((v, i) => v / (baseStarts[i] as number));
  if (s.length)
    results.push({ label: way.label, start: median(s), firstCall: median(calls.get(way.label) ?? []), ratios });
}
for (const [label, why] of failed) console.log(`  ${label}: not measured, it did not start here (${why.trim()})`);

const base = results[0]!;
console.log(`emulator start, median of ${ROUNDS} rounds, ratio to ${base.label} taken round by round`);
for (const r of results) {
  console.log(
    `  ${r.label.padEnd(62)} start ${r.start.toFixed(0).padStart(6)} ms  ratio ${ratioText(spread(r.ratios))}   first S3 calls ${r.firstCall.toFixed(0).padStart(5)} ms`,
  );
}
if (!ministackImage) console.log(`  (no ministack image on this host: ${MINISTACK_IMAGE} or ${localImage})`);
