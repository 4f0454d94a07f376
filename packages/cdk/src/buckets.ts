import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/**
 * An uploads bucket and a renditions bucket: private, encrypted, TLS only, kept when the
 * stack is deleted, their access logs in a third bucket.
 */
export class MediaBuckets extends Construct {
  readonly uploads: s3.Bucket;
  readonly renditions: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    acknowledge(accessLogs, {
      rule: 'AwsSolutions-S1',
      reason: 'This is the access log bucket of the two others; logging it to itself would loop',
    });
    const bucket = (bid: string, prefix: string) =>
      new s3.Bucket(this, bid, {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: prefix,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.uploads = bucket('Uploads', 'uploads/');
    this.renditions = bucket('Renditions', 'renditions/');
  }
}
