// SPDX-License-Identifier: MIT-0
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConflictException, type ECSClient, RunTaskCommand, type RunTaskCommandOutput } from '@aws-sdk/client-ecs';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config.ts';
import { type Claim, nextStep } from './record.ts';
import { LaunchRecords } from './records.ts';
import {
  bareEtag,
  clientTokenFor,
  launchToken,
  parseEvent,
  runTaskInput,
  type SourceObject,
  skipReason,
} from './request.ts';

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

/** Another invocation is starting this upload's task right now: retry the event later. */
export class LaunchInProgressError extends Error {
  override name = 'LaunchInProgressError';
}

/**
 * An earlier attempt claimed the upload and never recorded RunTask's answer, longer ago than
 * ECS is sure to remember its client token: nothing is started, so as never to run a second task.
 */
export class StaleClaimError extends Error {
  override name = 'StaleClaimError';
}

export interface LauncherDeps {
  ecs: ECSClient;
  s3: S3Client;
  ddb: DynamoDBDocumentClient;
  config: Config;
  logger: Logger;
  /** Flushed by the caller (the handler's logMetrics middleware). */
  metrics: Metrics;
  /** Epoch milliseconds; a test moves it. */
  now: () => number;
}

const statusOf = (err: unknown): number | undefined => {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const meta = err.$metadata;
  if (typeof meta !== 'object' || meta === null || !('httpStatusCode' in meta)) return undefined;
  return typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
};
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Starts one task per created object of the event (an S3 notification, an EventBridge
 * "Object Created" event or a direct `{ bucket, key, etag? }` call), once per upload.
 */
export async function launchTasks(event: unknown, deps: LauncherDeps): Promise<LaunchResult> {
  const { ecs, s3, config, logger, metrics, now } = deps;
  const records = new LaunchRecords(deps.ddb, config.LAUNCH_TABLE, config.CLAIM_LEASE_SECONDS * 1000);

  const headEtag = async (bucket: string, key: string, where: string): Promise<string> => {
    try {
      return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
    } catch (err) {
      // 404 needs s3:ListBucket on the bucket; without it S3 answers 403 for a missing key too
      // (HeadObject API reference, "Permissions"). Neither starts a task; the message says which.
      if ((err instanceof Error && err.name === 'NotFound') || statusOf(err) === 404) {
        throw new SourceNotFoundError(`${where} does not exist: no task started`, { cause: err });
      }
      if (statusOf(err) === 403) {
        throw new SourceNotFoundError(
          `${where} is not readable by the launcher (403: missing, or outside what its role may read): no task started`,
          { cause: err },
        );
      }
      throw err;
    }
  };

  /** Calls RunTask for the claimed attempt and records the answer. */
  const run = async (object: SourceObject, token: string, claim: Claim): Promise<Launch> => {
    const where = `s3://${object.bucket}/${object.key}`;
    const clientToken = clientTokenFor(token, claim.attempt);
    const giveBack = (message: string, startedNothing: boolean) =>
      records.failed(claim, message, startedNothing, now()).catch((err: unknown) => {
        // The lease runs out on its own; the RunTask error is the one to report.
        logger.error('could not record the failed attempt', { object: where, token, error: err });
      });

    let res: RunTaskCommandOutput;
    try {
      res = await ecs.send(new RunTaskCommand(runTaskInput(config, object, token, clientToken)));
    } catch (err) {
      if (err instanceof ConflictException && err.resourceIds?.length) {
        // The client token already started these tasks, with other parameters (the
        // configuration changed between attempts): they are this upload's tasks.
        logger.warn('client token already used by other tasks; recording them', {
          object: where,
          tasks: err.resourceIds,
        });
        await records.started(claim, err.resourceIds, now());
        return { bucket: object.bucket, key: object.key, taskArns: err.resourceIds, started: false };
      }
      const message =
        err instanceof Error
          ? `RunTask for ${where} failed: ${err.name}: ${err.message}`
          : `RunTask for ${where} failed: ${String(err)}`;
      // A 4xx is ECS refusing the request: nothing started. A 5xx or a network error may
      // follow a started task, so the next attempt asks again with the same client token.
      const status = statusOf(err);
      await giveBack(message, status !== undefined && status >= 400 && status < 500);
      throw new RunTaskFailedError(message, { cause: err });
    }
    const failures = res.failures ?? [];
    const taskArns = (res.tasks ?? []).map((t) => t.taskArn).filter((a): a is string => Boolean(a));
    if (taskArns.length === 0) {
      // RunTask answers 200 with `failures` for capacity, placement, or a missing resource.
      const why = failures.length
        ? failures.map((f) => [f.reason, f.arn, f.detail].filter(Boolean).join(' ')).join('; ')
        : 'no task and no failure in the response';
      const message = `RunTask for ${where} started no task (cluster ${config.CLUSTER}, task definition ${config.TASK_DEFINITION}): ${why}`;
      await giveBack(message, true);
      throw new RunTaskFailedError(message);
    }
    await records.started(claim, taskArns, now());
    logger.info('task started', {
      object: where,
      taskArns,
      attempt: claim.attempt,
      capacityProvider: config.CAPACITY_PROVIDER,
    });
    return { bucket: object.bucket, key: object.key, taskArns, started: true };
  };

  const launch = async (object: SourceObject): Promise<Launch> => {
    const where = `s3://${object.bucket}/${object.key}`;
    // A direct call may not name the ETag: read it (and prove the object exists) first.
    const etag = bareEtag(object.etag ?? (await headEtag(object.bucket, object.key, where)));
    // The sequencer tells a new PUT of the same bytes (same ETag) from a re-delivery of the event.
    const { sequencer } = object;
    const token = launchToken({ bucket: object.bucket, key: object.key, etag, sequencer });
    const upload = { token, bucket: object.bucket, key: object.key, etag, ...(sequencer ? { sequencer } : {}) };

    // The conditional write of the claim is what keeps concurrent and late deliveries to one
    // task; RunTask's clientToken covers a retry of the call itself. A write that loses a race
    // reads again; three rounds cover any interleaving of two invocations.
    for (let round = 0; round < 3; round++) {
      const got = await records.claim(upload, now());
      if ('claim' in got) return run({ ...object, etag }, token, got.claim);
      if (!got.record) continue;
      const step = nextStep(got.record, now());
      switch (step.kind) {
        case 'started':
          logger.info('task already started for this upload, not starting another', {
            object: where,
            taskArns: step.taskArns,
          });
          return { bucket: object.bucket, key: object.key, taskArns: step.taskArns, started: false };
        case 'in-flight':
          throw new LaunchInProgressError(
            `${where} is being launched by another invocation (claim held until ${iso(step.leaseUntil)}): retry later`,
          );
        case 'stale':
          throw new StaleClaimError(
            `${where} was claimed at ${iso(got.record.claimedAt)} by an attempt that never recorded RunTask's answer, ` +
              `longer ago than ECS surely keeps its client token: no task started, so as not to start a second. ` +
              `Look for its task (aws ecs list-tasks --cluster ${config.CLUSTER} --started-by ${token}; stopped ` +
              `tasks are listed for about an hour), then delete item ${token} from ${config.LAUNCH_TABLE} to launch it again`,
          );
        case 'same-token':
        case 'next-attempt': {
          const claim = await records.takeOver(got.record, now(), step.kind === 'next-attempt');
          if (claim) {
            logger.warn('taking over the launch of an upload', {
              object: where,
              attempt: claim.attempt,
              reusesClientToken: step.kind === 'same-token',
              lastError: got.record.lastError,
            });
            return run({ ...object, etag }, token, claim);
          }
        }
      }
    }
    throw new LaunchInProgressError(`${where} is being launched by another invocation: retry later`);
  };

  const parsed = parseEvent(event);
  for (const i of parsed.ignored) logger.info('not an object creation, ignored', i);

  const result: LaunchResult = { launched: [], skipped: [] };
  const errors: Error[] = [];
  // Every object gets its attempt; a failure is raised after the rest have been started, and a
  // retry of the whole event finds those in the record instead of starting them twice.
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
      logger.error('launch failed', { bucket: object.bucket, key: object.key, error: err });
      errors.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  const started = result.launched.filter((l) => l.started).length;
  metrics.addMetric('TasksStarted', MetricUnit.Count, started);
  metrics.addMetric('LaunchesFoundDone', MetricUnit.Count, result.launched.length - started);
  metrics.addMetric('ObjectsSkipped', MetricUnit.Count, result.skipped.length);
  metrics.addMetric('LaunchesFailed', MetricUnit.Count, errors.length);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    throw new RunTaskFailedError(
      `${errors.length} of ${parsed.objects.length} launches failed: ${errors.map((e) => e.message).join(' | ')}`,
    );
  }
  return result;
}
