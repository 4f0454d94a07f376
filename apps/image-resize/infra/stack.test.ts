import { readFileSync } from 'node:fs';
import { cfnLint, roleStatements, synthStack, TEST_ENV } from '@samples/cdk';
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

  it('passes cfn-lint: no error, no warning that is not acknowledged with a reason', () => {
    expect(cfnLint(template.toJSON(), TEST_ENV.region!)).toEqual([]);
  }, 120_000);

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

  it('reads uploads under its prefix, lists only that prefix, and only writes renditions', () => {
    const bucket = (prefix: string) => {
      const ids = Object.keys(template.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith(prefix));
      expect(ids, prefix).toHaveLength(1);
      return { 'Fn::GetAtt': [ids[0], 'Arn'] };
    };
    const under = (arn: unknown, prefix: string) => ({ 'Fn::Join': ['', [arn, `/${prefix}*`]] });
    const statements = roleStatements(template, 'ResizeRole');
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    // GetObject/HeadObject on a missing key answer 404 only with s3:ListBucket on the bucket, 403
    // AccessDenied without it (GetObject and HeadObject API references, "Permissions"), and the
    // handler skips a deleted upload on 404. Without ListBucket it would be retried, then dead-lettered.
    // The condition keeps listing to the upload prefix. For that check S3 takes the requested key as
    // s3:prefix, so uploads/<key> matches uploads/* (not in the AWS docs; Ceph RGW copies AWS here:
    // ceph/ceph#68577). No s3:DeleteObject: a failed attempt is rewritten by the retry, never cleaned up.
    expect(s3).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: under(bucket('BucketsUploads'), 'uploads/') },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucket('BucketsUploads'),
        Condition: { StringLike: { 's3:prefix': 'uploads/*' } },
      },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: under(bucket('BucketsRenditions'), 'renditions/') },
    ]);
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
