import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { acknowledge, synthStack } from './nag.ts';

// Two synthesis passes each: seconds on a loaded 2-core machine, beyond vitest's 5 s default.
describe('synthStack with cdk-nag', () => {
  it('reports each unacknowledged AwsSolutions finding with the construct it is on', () => {
    const { findings } = synthStack((app) => {
      const stack = new Stack(app, 'S');
      new s3.Bucket(stack, 'B');
      return stack;
    });
    expect(findings.sort()).toEqual(['AwsSolutions-S1 at S/B/Resource', 'AwsSolutions-S10 at S/B/Resource']);
  }, 60_000);

  it('leaves out what is acknowledged, and still returns the template', () => {
    const { findings, template } = synthStack((app) => {
      const stack = new Stack(app, 'S');
      const bucket = new s3.Bucket(stack, 'B', { enforceSSL: true });
      acknowledge(bucket, { rule: 'AwsSolutions-S1', reason: 'a test bucket' });
      return stack;
    });
    expect(findings).toEqual([]);
    template.resourceCountIs('AWS::S3::Bucket', 1);
  }, 60_000);
});
