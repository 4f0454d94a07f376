// SPDX-License-Identifier: MIT-0
/**
 * The launcher's record of one upload (one item per token, see `launchToken`): the durable
 * answer to "was a task started for this upload?", which ECS itself only keeps for a while.
 */
export interface LaunchRecord {
  token: string;
  bucket: string;
  key: string;
  etag: string;
  /** The S3 event's sequencer: which PUT of the key this was (absent for a direct call). */
  sequencer?: string;
  /** Which RunTask client token is in use: 1 is the upload's token, each later one is derived from it. */
  attempt: number;
  /** When this attempt's client token was first sent (epoch ms); ECS's idempotency for it starts later. */
  claimedAt: number;
  /** An invocation is working on the upload until then (epoch ms); 0 when none is. */
  leaseUntil: number;
  /** Set once RunTask has answered with the task: the upload is done for good. */
  taskArns?: string[];
  startedAt?: number;
  /** RunTask answered and started nothing (failures, or a 4xx): the next attempt needs a new client token. */
  failed?: boolean;
  lastError?: string;
}

/** The part of a record an invocation holds while it starts the task. */
export type Claim = Pick<LaunchRecord, 'token' | 'attempt' | 'claimedAt' | 'leaseUntil'>;

/**
 * How long after an attempt's first RunTask call its client token is certainly still
 * idempotent. ECS keeps a RunTask client token for the lower of 24 hours and the task's
 * lifetime plus one hour ("Idempotency for RunTask",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html): at least
 * one hour after the task was created, and the task is created after `claimedAt`. Ten minutes
 * are kept back for clock differences between Lambda and ECS.
 */
export const CLIENT_TOKEN_WINDOW_MS = 50 * 60_000;

export type NextStep =
  /** A task was started for this upload: return it, start nothing. */
  | { kind: 'started'; taskArns: string[] }
  /** Another invocation holds the claim: leave it alone, let the event be retried. */
  | { kind: 'in-flight'; leaseUntil: number }
  /** The last attempt's RunTask started nothing: try again with a new client token. */
  | { kind: 'next-attempt' }
  /**
   * The last attempt ended without recording an answer (it crashed, timed out or got a 5xx) and
   * its client token is still idempotent: RunTask again with it, and ECS returns the task it
   * started, if any, instead of starting another.
   */
  | { kind: 'same-token' }
  /** As above, but ECS may have forgotten the token: a RunTask now could start a second task. */
  | { kind: 'stale' };

/** What an invocation that finds a record already there does next. */
export function nextStep(record: LaunchRecord, now: number): NextStep {
  if (record.taskArns && record.taskArns.length > 0) return { kind: 'started', taskArns: record.taskArns };
  if (record.leaseUntil > now) return { kind: 'in-flight', leaseUntil: record.leaseUntil };
  if (record.failed) return { kind: 'next-attempt' };
  if (now - record.claimedAt < CLIENT_TOKEN_WINDOW_MS) return { kind: 'same-token' };
  return { kind: 'stale' };
}
