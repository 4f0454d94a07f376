import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export interface BundledFunctionProps {
  /** The `function.zip` that `bundleLambda` (`@samples/build`) wrote: `index.mjs` and native modules. */
  zip: string;
  description: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  reservedConcurrentExecutions?: number;
}

/**
 * A `nodejs24.x` function from an esbuild bundle, with its own log group (JSON logs, one
 * month), X-Ray tracing and a role that may write only to that log group. Grant it the rest.
 */
export class BundledFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logGroup.logGroupArn}:*`],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.zip),
      description: props.description,
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    });
    const logGroupArn = Stack.of(this).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup);
    acknowledge(
      this.role,
      {
        rule: `AwsSolutions-IAM5[Resource::<${logGroupArn}.Arn>:*]`,
        reason: "Log streams of the function's own log group: stream names are not known in advance",
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::*]',
        reason: "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permission",
      },
    );
  }
}
