import { acknowledge, BundledFunction, MediaBuckets, UploadTrigger } from '@samples/cdk';
import { type CfnElement, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface ImageResizeStackProps extends StackProps {
  /** `function.zip` of src/handler.ts with sharp's linux-x64 binaries (`bundleLambda`, sharp external). */
  bundle: string;
  /** Uploads under this prefix are resized. */
  uploadPrefix?: string;
  destPrefix?: string;
}

/** image-resize alone: an uploads bucket, a renditions bucket, the function and its S3 trigger. */
export class ImageResizeStack extends Stack {
  readonly uploads: s3.Bucket;
  readonly renditions: s3.Bucket;

  constructor(scope: Construct, id: string, props: ImageResizeStackProps) {
    super(scope, id, props);
    const uploadPrefix = props.uploadPrefix ?? 'uploads/';
    const destPrefix = props.destPrefix ?? 'renditions/';
    const buckets = new MediaBuckets(this, 'Buckets');
    this.uploads = buckets.uploads;
    this.renditions = buckets.renditions;

    const resize = new BundledFunction(this, 'Resize', {
      zip: props.bundle,
      description: 'image-resize: an uploaded image -> sharp renditions',
      // More memory is more CPU for libvips.
      memorySize: 2048,
      timeout: Duration.seconds(60),
      environment: {
        POWERTOOLS_SERVICE_NAME: 'image-resize',
        DEST_BUCKET: this.renditions.bucketName,
        DEST_PREFIX: destPrefix,
      },
    });
    resize.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.uploads.arnForObjects(`${uploadPrefix}*`)],
      }),
    );
    // Without s3:ListBucket, S3 answers 403 AccessDenied instead of 404 for a missing key, and the
    // handler skips a deleted upload only on 404. Listing is limited to the upload prefix.
    resize.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.uploads.bucketArn],
        conditions: { StringLike: { 's3:prefix': `${uploadPrefix}*` } },
      }),
    );
    // PutObject only: a retry overwrites the deterministic keys, nothing is ever deleted.
    resize.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.renditions.arnForObjects(`${destPrefix}*`)],
      }),
    );
    const trigger = new UploadTrigger(this, 'OnUpload', {
      bucket: this.uploads,
      prefix: uploadPrefix,
      function: resize.function,
    });

    const arn = (b: s3.Bucket) => `${Stack.of(this).getLogicalId(b.node.defaultChild as CfnElement)}.Arn`;
    acknowledge(
      resize.role,
      {
        rule: `AwsSolutions-IAM5[Resource::<${arn(this.uploads)}>/${uploadPrefix}*]`,
        reason: 'Reads whichever image was uploaded, under the upload prefix only',
      },
      {
        rule: `AwsSolutions-IAM5[Resource::<${arn(this.renditions)}>/${destPrefix}*]`,
        reason: 'Writes renditions named after the upload, under the renditions prefix only',
      },
    );
    new CfnOutput(this, 'UploadsBucket', { value: this.uploads.bucketName });
    new CfnOutput(this, 'RenditionsBucket', { value: this.renditions.bucketName });
    new CfnOutput(this, 'ResizeFunctionName', { value: resize.function.functionName });
    // Where an upload's event ends when every attempt failed: read it to see why, then re-drive it.
    new CfnOutput(this, 'FailedEventsQueueUrl', { value: trigger.deadLetters.queueUrl });
  }
}
