import type { App } from 'aws-cdk-lib';

/** An app option: CDK context (`-c name=value`) first, then the environment variable. */
export function readOption(app: App, context: string, variable: string, env = process.env): string | undefined {
  const value = app.node.tryGetContext(context) ?? env[variable];
  return value === undefined || value === '' ? undefined : String(value);
}

/** `-c flowLogs=false` (or `FLOW_LOGS=false`) turns off the flow logs of a VPC the stack creates. */
export function flowLogsOption(app: App, env = process.env): boolean | undefined {
  const value = readOption(app, 'flowLogs', 'FLOW_LOGS', env);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new Error(`flowLogs must be true or false, not ${value}`);
  return value === 'true';
}
