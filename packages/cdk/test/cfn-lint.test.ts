import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { MediaBuckets } from '../src/buckets.ts';
import { CFN_LINT_ACKNOWLEDGED, cfnLint } from '../src/cfn-lint.ts';
import { testApp } from '../src/nag.ts';

describe('cfnLint', () => {
  it('reports an error cfn-lint finds in a template', () => {
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon', MessageRetentionPeriod: 30 } },
      },
    };
    const findings = cfnLint(template, 'eu-west-1');
    expect(findings.some((f) => f.startsWith('E') && f.includes('at Queue'))).toBe(true);
  }, 300_000);

  it('passes a clean CDK stack, and every acknowledgement has a reason', () => {
    const stack = new Stack(testApp(), 'Clean', { env: { account: '123456789012', region: 'eu-west-1' } });
    new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    expect(cfnLint(Template.fromStack(stack).toJSON(), 'eu-west-1')).toEqual([]);
    for (const a of CFN_LINT_ACKNOWLEDGED) expect(a.reason.length).toBeGreaterThan(20);
  }, 300_000);

  it('the media buckets grant log delivery by bucket policy, not the legacy ACL (W3045)', () => {
    const stack = new Stack(testApp(), 'Buckets', { env: { account: '123456789012', region: 'eu-west-1' } });
    new MediaBuckets(stack, 'Media');
    const template = Template.fromStack(stack);
    expect(cfnLint(template.toJSON(), 'eu-west-1')).toEqual([]);
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.AccessControl).toBeUndefined();
    }
    expect(JSON.stringify(template.findResources('AWS::S3::BucketPolicy'))).toContain('logging.s3.amazonaws.com');
  }, 300_000);
});
