import { fileURLToPath } from 'node:url';
import { deployLocal, destroyLocal } from '@samples/cdk';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

export interface ImageResizeDeployment {
  /** The CloudFormation stack's name. */
  name: string;
  /** Every output of the stack, by its logical id. */
  outputs: Record<string, string>;
  /** Where uploads go; the trigger listens under `uploads/`. */
  uploadsBucket: string;
  /** Where the renditions are written, under `renditions/`. */
  renditionsBucket: string;
  functionName: string;
  /** Where an upload's event ends once every attempt failed. */
  failedEventsQueueUrl: string;
  destroy(): Promise<void>;
}

/**
 * Test and demo tooling: the app's own CDK stack (infra/stack.ts) deployed into the emulator
 * with the CDK CLI: the uploads and renditions buckets, the function with sharp in its zip, its
 * role, and the S3 trigger (CDK's bucket-notification custom resource) with its on-failure queue.
 */
export async function deployImageResize(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImageResizeDeployment> {
  const stackName = `ImageResize-${name.replaceAll(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
  const opts = { cwd: packageDir, env, stackName };
  const outputs = await deployLocal(opts);
  return {
    name: stackName,
    outputs,
    uploadsBucket: outputs.UploadsBucket as string,
    renditionsBucket: outputs.RenditionsBucket as string,
    functionName: outputs.ResizeFunctionName as string,
    failedEventsQueueUrl: outputs.FailedEventsQueueUrl as string,
    destroy: () => destroyLocal(opts),
  };
}
