// SPDX-License-Identifier: MIT-0
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { EXIT, exitCodeFor, InvalidInputError } from './errors.ts';
import { runJob } from './job.ts';

/**
 * S3 answers a GetObject of a missing key with 404 NoSuchKey only to a caller allowed
 * s3:ListBucket on the bucket, and 403 AccessDenied otherwise (GetObject API reference,
 * "Permissions": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html). The task
 * role's ListBucket is narrowed by an `s3:prefix` condition, and whether such a grant counts for
 * that rule is not documented, so on AWS a missing source may well come back as 403. The emulator
 * answers 404 whatever the policy, so only a stub can produce that 403: the rest is the real job.
 */
function s3Answering(listed: string[] | 'denied'): { s3: S3Client; calls: string[] } {
  const calls: string[] = [];
  const accessDenied = () =>
    Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  const send = async (command: unknown) => {
    calls.push((command as object).constructor.name);
    if (command instanceof GetObjectCommand) throw accessDenied();
    if (command instanceof ListObjectsV2Command) {
      if (listed === 'denied') throw accessDenied();
      expect(command.input).toMatchObject({ Bucket: 'uploads', Prefix: 'in/clip.mp4' });
      return { Contents: listed.map((Key) => ({ Key })) };
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  return { s3: { send } as unknown as S3Client, calls };
}

const config = parseConfig({ INPUT_BUCKET: 'uploads', INPUT_KEY: 'in/clip.mp4', OUTPUT_BUCKET: 'renditions' });
const deps = (s3: S3Client) => ({
  s3,
  logger: new Logger({ logLevel: 'SILENT' }),
  signal: new AbortController().signal,
});

describe('runJob, a source S3 answers 403 for', () => {
  it('is invalid input (exit 2) when a listing of the key finds nothing: the source is missing', async () => {
    const { s3, calls } = s3Answering(['in/clip.mp4.old']);
    const err = await runJob(config, deps(s3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/s3:\/\/uploads\/in\/clip\.mp4 does not exist/);
    expect(exitCodeFor(err)).toBe(EXIT.invalidInput);
    expect(calls).toEqual(['GetObjectCommand', 'ListObjectsV2Command']);
  });

  it('stays an access error (exit 1) when the key is listed, or the listing is refused too', async () => {
    for (const listed of [['in/clip.mp4'], 'denied'] as (string[] | 'denied')[]) {
      const err = await runJob(config, deps(s3Answering(listed).s3)).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AccessDenied');
      expect(exitCodeFor(err)).toBe(EXIT.failed);
    }
  });
});
