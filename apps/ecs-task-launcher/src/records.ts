// SPDX-License-Identifier: MIT-0
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Claim, LaunchRecord } from './record.ts';

const conditionFailed = (err: unknown) => err instanceof Error && err.name === 'ConditionalCheckFailedException';

/**
 * The record of started uploads in DynamoDB, one item per upload token. Every write is
 * conditional on what the writer last saw, so two invocations never both hold a claim.
 * Needs dynamodb:GetItem, PutItem and UpdateItem on the table, nothing else.
 */
export class LaunchRecords {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly leaseMs: number;

  constructor(ddb: DynamoDBDocumentClient, table: string, leaseMs: number) {
    this.ddb = ddb;
    this.table = table;
    this.leaseMs = leaseMs;
  }

  /** Claims a new upload (attempt 1), or returns the record that is already there. */
  async claim(
    upload: Pick<LaunchRecord, 'token' | 'bucket' | 'key' | 'etag' | 'sequencer'>,
    now: number,
  ): Promise<{ claim: Claim } | { record: LaunchRecord | undefined }> {
    const claim: Claim = { token: upload.token, attempt: 1, claimedAt: now, leaseUntil: now + this.leaseMs };
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...upload, ...claim },
          ConditionExpression: 'attribute_not_exists(#token)',
          ExpressionAttributeNames: { '#token': 'token' },
        }),
      );
      return { claim };
    } catch (err) {
      if (!conditionFailed(err)) throw err;
    }
    return { record: await this.get(upload.token) };
  }

  async get(token: string): Promise<LaunchRecord | undefined> {
    const res = await this.ddb.send(new GetCommand({ TableName: this.table, Key: { token }, ConsistentRead: true }));
    return res.Item as LaunchRecord | undefined;
  }

  /**
   * Takes over a record nobody holds: with the same attempt (same client token) or, after a
   * RunTask that started nothing, the next one. Undefined when another invocation changed the
   * record first.
   */
  async takeOver(seen: LaunchRecord, now: number, nextAttempt: boolean): Promise<Claim | undefined> {
    const claim: Claim = nextAttempt
      ? { token: seen.token, attempt: seen.attempt + 1, claimedAt: now, leaseUntil: now + this.leaseMs }
      : { token: seen.token, attempt: seen.attempt, claimedAt: seen.claimedAt, leaseUntil: now + this.leaseMs };
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { token: seen.token },
          UpdateExpression: 'SET attempt = :attempt, claimedAt = :claimedAt, leaseUntil = :lease REMOVE failed',
          ConditionExpression: 'attribute_not_exists(taskArns) AND attempt = :seenAttempt AND leaseUntil = :seenLease',
          ExpressionAttributeValues: {
            ':attempt': claim.attempt,
            ':claimedAt': claim.claimedAt,
            ':lease': claim.leaseUntil,
            ':seenAttempt': seen.attempt,
            ':seenLease': seen.leaseUntil,
          },
        }),
      );
      return claim;
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }

  /** RunTask answered with the task(s): the upload is done for good. */
  async started(claim: Claim, taskArns: string[], now: number): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { token: claim.token },
          UpdateExpression: 'SET taskArns = :arns, startedAt = :now, leaseUntil = :zero REMOVE failed, lastError',
          ConditionExpression: 'attempt = :attempt',
          ExpressionAttributeValues: { ':arns': taskArns, ':now': now, ':zero': 0, ':attempt': claim.attempt },
        }),
      );
    } catch (err) {
      if (!conditionFailed(err)) throw err;
      // Only an invocation that outlived its lease gets here (the lease is longer than the
      // function's timeout): say so loudly, the upload may have two tasks.
      throw new Error(
        `the record of ${claim.token} moved past attempt ${claim.attempt} while its RunTask ran; tasks ${taskArns.join(', ')} are not recorded`,
        { cause: err },
      );
    }
  }

  /**
   * RunTask failed. `startedNothing`: ECS answered and started no task (failures, or a 4xx), so
   * the next attempt gets a new client token; otherwise (5xx, network) the outcome is unknown
   * and the next attempt reuses this one. Either way the lease is given back at once.
   */
  async failed(claim: Claim, message: string, startedNothing: boolean, now: number): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { token: claim.token },
          UpdateExpression: `SET leaseUntil = :zero, lastError = :message, failedAt = :now${startedNothing ? ', failed = :true' : ''}`,
          ConditionExpression: 'attribute_not_exists(taskArns) AND attempt = :attempt AND leaseUntil = :lease',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':message': message.slice(0, 1000),
            ':now': now,
            ':attempt': claim.attempt,
            ':lease': claim.leaseUntil,
            ...(startedNothing ? { ':true': true } : {}),
          },
        }),
      );
    } catch (err) {
      // Another invocation took the record over in the meantime: it is its record now.
      if (!conditionFailed(err)) throw err;
    }
  }
}
