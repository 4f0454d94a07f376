import { readFileSync } from 'node:fs';
import { roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARP_LINUX_X64, stackProps } from './app.ts';
import { ImageResizeStack } from './stack.ts';

let template: Template;
let findings: string[];
let bundle: string;

beforeAll(async () => {
  const props = await stackProps();
  bundle = props.bundle;
  ({ template, findings } = synthStack((app) => new ImageResizeStack(app, 'ImageResize', { ...props, env: TEST_ENV })));
}, 120_000);

describe('ImageResizeStack', () => {
  it("ships sharp's linux-x64 binaries in the function's zip", () => {
    const zip = readFileSync(bundle);
    for (const f of SHARP_LINUX_X64) expect(zip.includes(f), f).toBe(true);
  });

  it('passes the cdk-nag AwsSolutions pack', () => {
    expect(findings).toEqual([]);
  });

  it('runs the function with the memory libvips wants, writing to the renditions bucket', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      MemorySize: 2048,
      Timeout: 60,
      Environment: {
        Variables: Match.objectLike({
          DEST_BUCKET: { Ref: Match.stringLikeRegexp('^BucketsRenditions') },
          DEST_PREFIX: 'renditions/',
        }),
      },
    });
  });

  it('reads uploads and writes renditions, each under its prefix only', () => {
    const statements = roleStatements(template, 'ResizeRole');
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3.map((s) => [s.Action].flat().sort())).toEqual([['s3:GetObject'], ['s3:DeleteObject', 's3:PutObject']]);
    expect(JSON.stringify(s3[0]?.Resource)).toContain('/uploads/*');
    expect(JSON.stringify(s3[1]?.Resource)).toContain('/renditions/*');
  });

  it('is triggered by uploads, with retries, a queue for failed events and alarms', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });
});
