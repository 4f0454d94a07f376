import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { deployedFunctions, zipPaths } from './functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'dev-assembly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('finds the zips in what stackProps() returns, however nested', () => {
  expect(
    zipPaths({ bundle: '/a/function.zip', modelImage: { context: '/ctx' }, more: ['/b/function.zip', 3] }),
  ).toEqual(['/a/function.zip', '/b/function.zip']);
});

it('matches each function a stack output names to the bundle whose bytes are its asset', () => {
  writeFileSync(join(dir, 'asset.h1.zip'), 'one');
  writeFileSync(join(dir, 'asset.h2.zip'), 'two');
  writeFileSync(join(dir, 'one.zip'), 'one');
  writeFileSync(join(dir, 'two.zip'), 'two');
  const fn = (key: string) => ({ Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: key } } });
  writeFileSync(
    join(dir, 'S.template.json'),
    JSON.stringify({
      Resources: {
        A: fn('h1.zip'),
        B: fn('h2.zip'),
        Inline: { Type: 'AWS::Lambda::Function', Properties: { Code: { ZipFile: 'def handler(): pass' } } },
        Q: { Type: 'AWS::SQS::Queue' },
      },
      Outputs: {
        AName: { Value: { Ref: 'A' } },
        BArn: { Value: { 'Fn::GetAtt': ['B', 'Arn'] } },
        InlineName: { Value: { Ref: 'Inline' } },
        QueueUrl: { Value: { Ref: 'Q' } },
      },
    }),
  );
  const outputs = {
    AName: 'fn-a',
    BArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn-b',
    InlineName: 'x',
    QueueUrl: 'q',
  };
  expect(deployedFunctions(dir, 'S', outputs, [join(dir, 'two.zip'), join(dir, 'one.zip')])).toEqual([
    { output: 'AName', name: 'fn-a', zipFile: join(dir, 'one.zip') },
    { output: 'BArn', name: outputs.BArn, zipFile: join(dir, 'two.zip') },
  ]);
});
