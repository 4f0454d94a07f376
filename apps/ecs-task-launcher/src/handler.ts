import { Logger } from '@aws-lambda-powertools/logger';
import {
  type DesiredStatus,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { type Config, parseConfig } from './config.ts';
import { launchToken, parseEvent, runTaskInput, type SourceObject, skipReason } from './request.ts';

export interface Launch {
  bucket: string;
  key: string;
  /** The task(s) for this object: started now, or found already started for the same upload. */
  taskArns: string[];
  started: boolean;
}

export interface LaunchResult {
  launched: Launch[];
  skipped: { bucket: string; key: string; reason: string }[];
}

/** RunTask answered but started nothing (`failures`), or failed outright. */
export class RunTaskFailedError extends Error {
  override name = 'RunTaskFailedError';
}

/** A direct call named an object that is not there. */
export class SourceNotFoundError extends Error {
  override name = 'SourceNotFoundError';
}

export interface LauncherDeps {
  ecs: ECSClient;
  s3: S3Client;
  config: Config;
  logger?: Logger;
}

export function createHandler(deps: LauncherDeps) {
  const { ecs, s3, config } = deps;
  const logger = deps.logger ?? new Logger({ serviceName: 'ecs-task-launcher' });

  /** Tasks already started for this token: RUNNING ones, and STOPPED ones ECS still lists (about an hour). */
  const existingTasks = async (token: string): Promise<string[]> => {
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] satisfies DesiredStatus[]) {
      const res = await ecs.send(new ListTasksCommand({ cluster: config.CLUSTER, startedBy: token, desiredStatus }));
      arns.push(...(res.taskArns ?? []));
    }
    return arns;
  };

  const headEtag = async (bucket: string, key: string, where: string): Promise<string> => {
    try {
      return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) {
        throw new SourceNotFoundError(`${where} does not exist: no task started`, { cause: err });
      }
      throw err;
    }
  };

  const launch = async (object: SourceObject): Promise<Launch> => {
    const where = `s3://${object.bucket}/${object.key}`;
    // A direct call may not name the ETag: read it (and prove the object exists) first.
    const etag = object.etag ?? (await headEtag(object.bucket, object.key, where));
    const token = launchToken({ bucket: object.bucket, key: object.key, etag });

    // RunTask's clientToken makes a retried request idempotent; looking the token up first
    // also covers a re-delivery that arrives after the token's idempotency window.
    const existing = await existingTasks(token);
    if (existing.length > 0) {
      logger.info('task already started for this upload, not starting another', { object: where, taskArns: existing });
      return { bucket: object.bucket, key: object.key, taskArns: existing, started: false };
    }

    let res: RunTaskCommandOutput;
    try {
      res = await ecs.send(new RunTaskCommand(runTaskInput(config, object, token)));
    } catch (err) {
      const e = err as Error;
      throw new RunTaskFailedError(`RunTask for ${where} failed: ${e.name}: ${e.message}`, { cause: err });
    }
    const failures = res.failures ?? [];
    const taskArns = (res.tasks ?? []).map((t) => t.taskArn).filter((a): a is string => Boolean(a));
    if (failures.length > 0 || taskArns.length === 0) {
      // RunTask answers 200 with `failures` for capacity, placement, or a missing resource.
      const why = failures.length
        ? failures.map((f) => [f.reason, f.arn, f.detail].filter(Boolean).join(' ')).join('; ')
        : 'no task and no failure in the response';
      throw new RunTaskFailedError(
        `RunTask for ${where} started no task (cluster ${config.CLUSTER}, task definition ${config.TASK_DEFINITION}): ${why}`,
      );
    }
    logger.info('task started', { object: where, taskArns, capacityProvider: config.CAPACITY_PROVIDER });
    return { bucket: object.bucket, key: object.key, taskArns, started: true };
  };

  return async (event: unknown, context?: Context): Promise<LaunchResult> => {
    if (context) logger.addContext(context);
    const parsed = parseEvent(event);
    for (const i of parsed.ignored) logger.info('not an object creation, ignored', i);

    const result: LaunchResult = { launched: [], skipped: [] };
    const errors: Error[] = [];
    // Every object gets its attempt; a failure is raised after the rest have been started, and a
    // retry of the whole event finds those tasks by their token instead of starting them twice.
    for (const object of parsed.objects) {
      const reason = skipReason(object);
      if (reason) {
        logger.warn('object skipped', { bucket: object.bucket, key: object.key, reason });
        result.skipped.push({ bucket: object.bucket, key: object.key, reason });
        continue;
      }
      try {
        result.launched.push(await launch(object));
      } catch (err) {
        logger.error('launch failed', { bucket: object.bucket, key: object.key, error: err as Error });
        errors.push(err as Error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new RunTaskFailedError(
        `${errors.length} of ${parsed.objects.length} launches failed: ${errors.map((e) => e.message).join(' | ')}`,
      );
    }
    return result;
  };
}

let lambdaHandler: ReturnType<typeof createHandler> | undefined;

/** Lambda entry point; clients read AWS_REGION / AWS_ENDPOINT_URL from the environment. */
export const handler = (event: unknown, context: Context): Promise<LaunchResult> => {
  lambdaHandler ??= createHandler({ ecs: new ECSClient({}), s3: new S3Client({}), config: parseConfig(process.env) });
  return lambdaHandler(event, context);
};
