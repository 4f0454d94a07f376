import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { waitForKeys } from '@samples/emulator/waiters';
import { flatCanvas } from '@samples/test-support/images';

/** What `i` does for a workload: sends its sample event and says what came of it. */
export interface Sample {
  /** How to send the same event from another shell. */
  command(outputs: Record<string, string>, endpoint: string): string;
  send(outputs: Record<string, string>, n: number): Promise<string>;
}

export interface Workload {
  /** Folder under apps/. */
  app: string;
  sample?: Sample;
}

const imageResize: Sample = {
  command: (o, endpoint) =>
    `aws --endpoint-url ${endpoint} s3 cp photo.jpg s3://${o.UploadsBucket}/uploads/photo.jpg && aws --endpoint-url ${endpoint} s3 ls --recursive s3://${o.RenditionsBucket}/renditions/uploads/photo.jpg/`,
  async send(o, n) {
    const s3 = new S3Client({});
    const key = `uploads/dev-${n}.jpg`;
    await s3.send(
      new PutObjectCommand({
        Bucket: o.UploadsBucket!,
        Key: key,
        Body: await flatCanvas('jpeg', '#3070c0', 1600, 1200),
      }),
    );
    // The stack's defaults: three widths (all below 1600) in two formats, under renditions/<upload key>/.
    const keys = await waitForKeys(s3, o.RenditionsBucket!, `renditions/${key}/`, 6, { timeoutMs: 60_000 });
    return `s3://${o.UploadsBucket}/${key} -> ${keys.map((k) => `s3://${o.RenditionsBucket}/${k}`).join(', ')}`;
  },
};

/** The Lambda workloads `pnpm dev` reloads; the container ones say why not. */
export const WORKLOADS: Record<string, Workload> = {
  'image-resize': { app: 'image-resize', sample: imageResize },
  'order-processor': { app: 'order-processor' },
  'inference-proxy': { app: 'inference-proxy' },
  'ecs-task-launcher': { app: 'ecs-task-launcher' },
  'video-pipeline': { app: 'video-pipeline' },
};

export const NOT_SUPPORTED: Record<string, string> = {
  transcoder: 'its code runs as an ECS task image, not a Lambda zip: a change needs an image rebuild and a new task',
  'orders-api': 'it runs as a Fargate service image, not a Lambda zip: a change needs an image rebuild and a redeploy',
  'model-server': 'it is the container image behind inference-proxy; run `pnpm dev inference-proxy` for the Lambda',
};
