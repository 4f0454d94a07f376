// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { CLIENT_TOKEN_WINDOW_MS, type LaunchRecord, nextStep } from './record.ts';

const now = Date.parse('2026-12-02T10:00:00Z');
const record = (patch: Partial<LaunchRecord>): LaunchRecord => ({
  token: 't',
  bucket: 'uploads',
  key: 'in/a.mov',
  etag: 'e',
  attempt: 1,
  claimedAt: now - 5 * 60_000,
  leaseUntil: 0,
  ...patch,
});

describe('nextStep', () => {
  it('returns the recorded task, whatever else the record says', () => {
    expect(nextStep(record({ taskArns: ['arn:task/1'], leaseUntil: now + 1 }), now)).toEqual({
      kind: 'started',
      taskArns: ['arn:task/1'],
    });
  });

  it('leaves a claim whose lease is running to its holder', () => {
    expect(nextStep(record({ leaseUntil: now + 1000 }), now)).toEqual({ kind: 'in-flight', leaseUntil: now + 1000 });
  });

  it('asks with a new client token after a RunTask that started nothing', () => {
    expect(nextStep(record({ failed: true, claimedAt: now - 10 * CLIENT_TOKEN_WINDOW_MS }), now)).toEqual({
      kind: 'next-attempt',
    });
  });

  it('reuses the client token of an attempt that ended without an answer while ECS still honours it', () => {
    expect(nextStep(record({ leaseUntil: now - 1 }), now)).toEqual({ kind: 'same-token' });
    expect(nextStep(record({ claimedAt: now - CLIENT_TOKEN_WINDOW_MS + 1 }), now)).toEqual({ kind: 'same-token' });
  });

  it('refuses to guess once ECS may have forgotten that token', () => {
    expect(nextStep(record({ claimedAt: now - CLIENT_TOKEN_WINDOW_MS }), now)).toEqual({ kind: 'stale' });
  });

  it('keeps the window inside the one hour ECS guarantees after the task was created', () => {
    expect(CLIENT_TOKEN_WINDOW_MS).toBeLessThan(60 * 60_000);
  });
});
