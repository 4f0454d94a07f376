import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { deployLocal, destroyLocal } from '@samples/cdk';
import { subscribeQueue } from '@samples/emulator/deploy';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The state machine's definition, the one file the tests and the CDK stack both deploy. */
export const DEFINITION_FILE = join(packageDir, 'statemachine', 'video-pipeline.asl.json');

/** Fills `${Name}` placeholders as CDK's `definitionSubstitutions` does; an unknown name is an error. */
export function substitute(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in ${DEFINITION_FILE}`);
    // Values land inside JSON strings.
    return JSON.stringify(value).slice(1, -1);
  });
}

export interface PipelineStack {
  /** The CloudFormation stack's name. */
  name: string;
  inputBucket: string;
  outputBucket: string;
  stateMachineArn: string;
  triggerFunction: string;
  notifyFunction: string;
  topicArn: string;
  /** An SQS queue subscribed to every notice. */
  noticesUrl: string;
  cluster: string;
  /** The transcoder task's role, for tests that take a permission away. */
  taskRoleName: string;
  destroy(): Promise<void>;
}

/**
 * Test, demo and benchmark tooling: the pipeline's own CDK stack (infra/stack.ts) deployed into
 * the emulator with the CDK CLI, and a queue subscribed to its notices topic. ministack's
 * CloudFormation has no AWS::EC2::FlowLog, so the stack's flow logs are off (`flowLogs=false`).
 */
export async function deployPipeline(name: string, env: NodeJS.ProcessEnv = process.env): Promise<PipelineStack> {
  const stackName = `VideoPipeline-${name.replaceAll(/[^A-Za-z0-9]/g, '')}`.slice(0, 60);
  const opts = { cwd: packageDir, env, stackName, context: { flowLogs: 'false' } };
  const outputs = await deployLocal(opts);
  const topicArn = outputs.NoticesTopicArn as string;
  const { url: noticesUrl } = await subscribeQueue({
    sns: new SNSClient({}),
    sqs: new SQSClient({}),
    topicArn,
    queueName: `${name}-notices`,
  });
  return {
    name: stackName,
    inputBucket: outputs.UploadsBucket as string,
    outputBucket: outputs.RenditionsBucket as string,
    stateMachineArn: outputs.StateMachineArn as string,
    triggerFunction: outputs.TriggerFunctionName as string,
    notifyFunction: outputs.NotifyFunctionName as string,
    topicArn,
    noticesUrl,
    cluster: outputs.Cluster as string,
    taskRoleName: outputs.TaskRoleName as string,
    destroy: () => destroyLocal(opts),
  };
}
