// SPDX-License-Identifier: MIT-0
import { ListObjectsV2Command, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { objectMissing } from './missing.ts';

/**
 * S3's rule (GetObject / HeadObject API reference, "Permissions"): for a key that does not exist,
 * S3 answers 404 NoSuchKey only to a caller with s3:ListBucket on the bucket, and 403
 * AccessDenied to one without it. The emulator answers 404 either way (measured, see
 * shared/ENVIRONMENT.md), so the 403 answers here are scripted: the one failure a real part
 * here cannot produce. The listing itself is what a role narrowed by an `s3:prefix` condition may do.
 */
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, message: name, $fault: 'client', $metadata: { httpStatusCode: status } });

function scriptedS3(listing: () => Promise<{ Contents?: { Key: string }[] }>) {
  const sent: unknown[] = [];
  const client = {
    send: async (cmd: unknown) => {
      sent.push(cmd);
      if (cmd instanceof ListObjectsV2Command) return listing();
      throw new Error('unexpected command');
    },
  } as unknown as S3Client;
  return { client, sent };
}

describe('objectMissing', () => {
  const where = { bucket: 'videos', key: 'uploads/a.mp4' };

  it('a 404 (NoSuchKey, NotFound) means missing, without asking anything else', async () => {
    const { client, sent } = scriptedS3(async () => ({}));
    expect(await objectMissing(client, where, s3Error('NoSuchKey', 404))).toBe(true);
    expect(await objectMissing(client, where, s3Error('NotFound', 404))).toBe(true);
    expect(sent).toEqual([]);
  });

  it('a 403 is missing when a listing of the key as prefix does not hold the key', async () => {
    const { client, sent } = scriptedS3(async () => ({ Contents: [{ Key: 'uploads/a.mp4.bak' }] }));
    expect(await objectMissing(client, where, s3Error('AccessDenied', 403))).toBe(true);
    expect((sent[0] as ListObjectsV2Command).input).toEqual({ Bucket: 'videos', Prefix: 'uploads/a.mp4', MaxKeys: 1 });
    const empty = scriptedS3(async () => ({}));
    expect(await objectMissing(empty.client, where, s3Error('AccessDenied', 403))).toBe(true);
  });

  it('a 403 for a key that is listed is a real access error, and so is one whose listing is refused too', async () => {
    const listed = scriptedS3(async () => ({ Contents: [{ Key: 'uploads/a.mp4' }] }));
    expect(await objectMissing(listed.client, where, s3Error('AccessDenied', 403))).toBe(false);
    const refused = scriptedS3(async () => {
      throw s3Error('AccessDenied', 403);
    });
    expect(await objectMissing(refused.client, where, s3Error('AccessDenied', 403))).toBe(false);
  });

  it('anything else is not an answer about existence', async () => {
    const { client, sent } = scriptedS3(async () => ({}));
    expect(await objectMissing(client, where, s3Error('SlowDown', 503))).toBe(false);
    expect(await objectMissing(client, where, new Error('socket hang up'))).toBe(false);
    expect(sent).toEqual([]);
  });
});
