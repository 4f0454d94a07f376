import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getContainerRuntimeClient, ImageName } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeFile } from '../src/compose.ts';
import { waitForHealth } from '../src/health.ts';
import { MINISTACK_VERSION, REPO_ROOT } from '../src/index.ts';
import { uniqueName } from '../src/testing.ts';

/**
 * `docker compose up` with localstack/compose.yaml, as a user without the harness runs it.
 * CI builds the pinned ministack release as aws-compute-samples/ministack (it cannot pull).
 */
const IMAGE = process.env.MINISTACK_TEST_IMAGE ?? `aws-compute-samples/ministack:${MINISTACK_VERSION}`;

function composeCli(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}

const cli = composeCli();
const client = await getContainerRuntimeClient().catch(() => undefined);
const present = client ? await client.image.exists(ImageName.fromString(IMAGE)) : false;
const reason = !cli ? 'no docker compose CLI' : !present ? `image ${IMAGE} is not on this Docker host` : '';
if (reason) console.warn(`[emulator] compose: skipped: ${reason} (.ci/provision.sh installs both)`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe.skipIf(Boolean(reason))(
  `localstack/compose.yaml, profile ministack${reason ? ` [skipped: ${reason}]` : ''}`,
  () => {
    const project = uniqueName('compose');
    let port = 0;
    let env: NodeJS.ProcessEnv;
    const compose = (...args: string[]) => {
      const [cmd, ...pre] = cli as string[];
      return spawnSync(
        cmd as string,
        [...pre, '-p', project, '-f', composeFile(REPO_ROOT), '--profile', 'ministack', ...args],
        {
          env,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
    };

    beforeAll(async () => {
      port = await freePort();
      env = { ...process.env, MINISTACK_IMAGE: IMAGE, EMULATOR_PORT: String(port), AWS_REGION: 'eu-west-1' };
      const up = compose('up', '-d');
      expect(up.status, `${up.stdout}${up.stderr}`).toBe(0);
      await waitForHealth(`http://127.0.0.1:${port}`, 60_000);
    });
    afterAll(() => {
      if (env) compose('down', '--volumes', '--timeout', '5');
    });

    it('serves S3 on the published port, in the region given', async () => {
      const s3 = new S3Client({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'eu-west-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const bucket = uniqueName('compose-s3');
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'hello' }));
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString();
      expect(body).toBe('hello');
    });

    it('ran the init hooks it mounts', async () => {
      let logs = '';
      for (let i = 0; i < 30 && !logs.includes('aws-compute-samples: init hooks done'); i++) {
        logs = `${compose('logs', '--no-color').stdout}`;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(logs).toContain('aws-compute-samples: init hooks done');
    });
  },
);
