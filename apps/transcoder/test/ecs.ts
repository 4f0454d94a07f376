import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CONTAINER_NAME } from '../src/contract.ts';
import { buildTranscoderImage } from './image.ts';

export interface TranscoderTask {
  cluster: string;
  clusterArn: string;
  taskDefinitionArn: string;
  /** Task definition family (RunTask takes it as `taskDefinition`). */
  family: string;
  containerName: string;
  image: string;
}

/**
 * Test, demo and benchmark tooling: the transcoder image built and registered as a Fargate
 * task definition in the emulator, in a cluster of its own, writing to `outputBucket`.
 */
export async function deployTranscoderTask(opts: {
  cluster: string;
  family: string;
  outputBucket: string;
  x264Preset?: string;
  ecs?: ECSClient;
}): Promise<TranscoderTask> {
  // The emulator's SDK environment (set by the test setup or the demo).
  const env = process.env;
  const ecs = opts.ecs ?? new ECSClient({});
  const image = await buildTranscoderImage();
  const created = await ecs.send(new CreateClusterCommand({ clusterName: opts.cluster }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: opts.family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '2048',
      memory: '4096',
      containerDefinitions: [
        {
          name: CONTAINER_NAME,
          image,
          essential: true,
          stopTimeout: 30,
          environment: [
            { name: 'OUTPUT_BUCKET', value: opts.outputBucket },
            { name: 'X264_PRESET', value: opts.x264Preset ?? 'veryfast' },
            // The emulator reaches tasks through a host name, so buckets go in the path.
            { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
            // Fargate sets AWS_REGION in every task and serves the task role's credentials
            // from 169.254.170.2; the emulator sets neither usably (its credentials URI is
            // plain HTTP to a host name, which the SDK refuses), so the test passes both.
            ...['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
              .filter((k) => env[k])
              .map((k) => ({ name: k, value: env[k] as string })),
          ],
        },
      ],
    }),
  );
  return {
    cluster: opts.cluster,
    clusterArn: created.cluster?.clusterArn ?? opts.cluster,
    taskDefinitionArn: registered.taskDefinition?.taskDefinitionArn ?? opts.family,
    family: opts.family,
    containerName: CONTAINER_NAME,
    image,
  };
}
