import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { destroyLocal } from '@samples/cdk';
import { REPO_ROOT, type Service } from '@samples/emulator';
import { describeWith, emulator, uniqueName } from '@samples/emulator/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

// `pnpm dev image-resize` (the script runs packages/dev/src/main.ts) on a copy of the app in a
// temporary folder, against the test run's emulator: the app's own CDK stack deployed, then
// each edit of the copy's handler bundled and pushed, and seen in the next invocation's answer.
const needs: Service[] = ['cloudformation', 'cloudformation-custom-resources', 'lambda', 's3', 'sqs', 'iam'];
const APP = join(REPO_ROOT, 'apps', 'image-resize');
const RETURN = 'return { results };';

describeWith(needs, 'pnpm dev image-resize', () => {
  let dir: string;
  let stackName: string;
  let dev: ChildProcess;
  let out = '';
  let exit: Promise<number | null>;
  const lambda = new LambdaClient({});

  /** Resolves with the first match of `pattern` in the output after `from` characters. */
  const waitForOutput = (pattern: RegExp, from: number, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = out.slice(from).match(pattern);
        if (m) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(m);
        }
      };
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      check();
    });

  const invoke = async (fn: string, bucket: string) => {
    // The app's own sample event (what its README shows), for an upload that is not there.
    const event = JSON.parse(readFileSync(join(APP, 'events', 's3-put.json'), 'utf8')) as {
      Records: { s3: { bucket: { name: string; arn: string }; object: { key: string } } }[];
    };
    for (const r of event.Records) {
      r.s3.bucket = { ...r.s3.bucket, name: bucket, arn: `arn:aws:s3:::${bucket}` };
      r.s3.object.key = 'uploads/not-there.jpg';
    }
    const res = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(event) }));
    expect(res.FunctionError).toBeUndefined();
    return JSON.parse(Buffer.from(res.Payload!).toString('utf8')) as { results: unknown[]; dev?: string };
  };

  beforeAll(async () => {
    emulator();
    dir = mkdtempSync(join(tmpdir(), 'dev-image-resize-'));
    for (const f of ['src', 'infra', 'package.json', 'tsconfig.json'])
      cpSync(join(APP, f), join(dir, f), { recursive: true });
    // The copy bundles against the app's installed packages (sharp's linux-x64 build included).
    symlinkSync(join(APP, 'node_modules'), join(dir, 'node_modules'));
    stackName = `DevTest${uniqueName('dev').replaceAll('-', '')}`.slice(0, 60);
    dev = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages', 'dev', 'src', 'main.ts'), 'image-resize'].concat([
        '--app-dir',
        dir,
        '--stack',
        stackName,
      ]),
      { env: process.env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    dev.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    dev.stderr!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    exit = new Promise((resolve) => dev.on('exit', (code) => resolve(code)));
    await waitForOutput(/\[dev\] watching /, 0, 300_000);
  }, 320_000);

  afterAll(async () => {
    if (dev && dev.exitCode === null) dev.kill('SIGKILL');
    if (stackName && dir) await destroyLocal({ cwd: dir, env: process.env, stackName }).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('pushes each saved edit to the function, and stops cleanly on SIGTERM', async () => {
    const fn = (await waitForOutput(/ResizeFunctionName = (\S+)/, 0, 1000))[1]!;
    const bucket = (await waitForOutput(/UploadsBucket = (\S+)/, 0, 1000))[1]!;
    const before = await invoke(fn, bucket);
    expect(before.results).toEqual([{ key: 'uploads/not-there.jpg', outcome: 'skipped' }]);
    expect(before.dev).toBeUndefined();

    // The work module beside the handler: what a change to the resizing touches.
    const handler = join(dir, 'src', 'process.ts');
    const original = readFileSync(handler, 'utf8');
    expect(original).toContain(RETURN);
    const times: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const from = out.length;
      writeFileSync(handler, original.replace(RETURN, `return { results, dev: 'edit-${i}' };`));
      const live = await waitForOutput(/\[dev\] live in (\d+) ms/, from, 60_000);
      times.push(Number(live[1]));
      const after = await invoke(fn, bucket);
      expect(after.dev).toBe(`edit-${i}`);
      expect(after.results).toEqual(before.results);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(out.match(/\[dev\] live in .*/g)?.join('\n'));
    console.log(`[dev] save-to-live over ${times.length} edits: ${times.join(', ')} ms; median ${sorted[2]} ms`);

    // `i` sends the sample event: an upload through the S3 trigger, answered with its renditions.
    const from = out.length;
    dev.stdin!.write('i\n');
    const sent = await waitForOutput(/\[dev\] (s3:\/\/\S+ -> .*|sample event failed.*)/, from, 90_000);
    expect(sent[1]).toMatch(/^s3:\/\/\S+\/uploads\/dev-1\.jpg -> s3:\/\/\S+\/renditions\/uploads\/dev-1\.jpg\//);

    dev.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('[dev] stopping');
  }, 300_000);
});
