import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { GenericContainer, Wait } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { emulator, uniqueName } from '../src/testing.ts';
import { WaitTimeoutError, waitFor } from '../src/waiters.ts';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Runs the harness CLI in a child process, so the probes see the environment given here. */
function check(env: Record<string, string>) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, ms: Math.round(performance.now() - t0) };
}

describe('the emulator of this run', () => {
  it('answers S3 calls from an SDK client built with no options', async () => {
    const info = emulator();
    expect(process.env.AWS_ENDPOINT_URL).toBe(info.endpoint);
    const s3 = new S3Client({});
    const bucket = uniqueName('harness');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b c.txt', Body: 'round trip' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b c.txt' }));
    expect(await got.Body?.transformToString()).toBe('round trip');
  });

  it('is reached from a container started by testcontainers, as ECS tasks and workload containers reach it', async () => {
    const info = emulator();
    const s3 = new S3Client({});
    const bucket = uniqueName('from-container');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hello from the host' }));
    // Signed, as an SDK in the container would sign it: an anonymous read is refused where IAM is enforced.
    const url = await getSignedUrl(
      new S3Client({ endpoint: info.containerEndpoint, forcePathStyle: true }),
      new GetObjectCommand({ Bucket: bucket, Key: 'hello.txt' }),
    );
    const script = `fetch(process.env.OBJECT_URL).then(async r => { console.log('status=' + r.status + ' body=' + await r.text()); process.exit(r.ok ? 0 : 3) }, e => { console.log('error=' + e.message); process.exit(4) })`;
    const container = await new GenericContainer('node:24-bookworm-slim')
      .withEnvironment({ OBJECT_URL: url })
      .withCommand(['node', '-e', script])
      .withWaitStrategy(Wait.forOneShotStartup())
      .start();
    const logs = await new Promise<string>((resolve, reject) => {
      let text = '';
      container.logs().then((stream) => {
        stream.on('data', (d: Buffer | string) => (text += d.toString()));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      }, reject);
    });
    await container.stop().catch(() => undefined);
    expect(logs).toContain('status=200 body=hello from the host');
  });

  it('waiters say what they awaited when time runs out', async () => {
    const err = await waitFor('a thing that never comes', async () => undefined, {
      timeoutMs: 300,
      intervalMs: 50,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/Timed out after 0.3s waiting for a thing that never comes/);
  });
});

describe('when no backend can start', () => {
  it('without a Docker engine and without Python the run fails at once with the fix-it message', () => {
    const r = check({ DOCKER_HOST: 'unix:///nonexistent/docker.sock', MINISTACK_PYTHON: '/nonexistent/python3' });
    console.log(`[harness] no engine, no Python: failed in ${r.ms} ms`);
    expect(r.status).toBe(1);
    expect(r.out).toContain('No AWS emulator could be started (AWS_EMULATOR=auto)');
    expect(r.out).toMatch(/ministack process .*: not possible: \/nonexistent\/python3 not found/);
    expect(r.out).toMatch(/ministack container .*: not possible: no Docker engine/);
    expect(r.out).toContain('Fix one of:');
  });

  it('localstack with a current image and no token says a token is needed', () => {
    const r = check({ AWS_EMULATOR: 'localstack', LOCALSTACK_IMAGE: 'localstack/localstack:2026.11.0' });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(
      /localstack container \(localstack\/localstack:2026\.11\.0\): not possible: .*LOCALSTACK_AUTH_TOKEN/,
    );
  });

  it('localstack whose image is neither on the host nor pullable says so', () => {
    const r = check({
      AWS_EMULATOR: 'localstack',
      LOCALSTACK_IMAGE: 'localstack/localstack:4.14.0-absent',
      LOCALSTACK_AUTH_TOKEN: 'x',
    });
    console.log(`[harness] localstack image missing: failed in ${r.ms} ms`);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/localstack container \(localstack\/localstack:4\.14\.0-absent, pull\): failed: .*/);
  });
});
