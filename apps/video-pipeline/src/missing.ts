// SPDX-License-Identifier: MIT-0
import { ListObjectsV2Command, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/**
 * Whether a failed HeadObject/GetObject means "no such key". S3 answers 404 only to a caller
 * with s3:ListBucket on the bucket, 403 AccessDenied to one without it (GetObject and HeadObject
 * API reference, "Permissions"). Whether a ListBucket narrowed by an `s3:prefix` condition counts
 * for that is not documented, so a 403 is settled by listing the key as prefix, which such a role
 * may do: no such key listed, the object is missing; listed, or the listing refused too, it is a
 * real access error.
 */
export async function objectMissing(
  s3: S3Client,
  where: { bucket: string; key: string },
  err: unknown,
): Promise<boolean> {
  if (!(err instanceof S3ServiceException)) return false;
  const status = err.$metadata.httpStatusCode;
  if (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404) return true;
  if (err.name !== 'AccessDenied' && status !== 403) return false;
  try {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: where.bucket, Prefix: where.key, MaxKeys: 1 }));
    // Keys list in UTF-8 binary order, so the key itself, if there, comes before any longer one.
    return !(res.Contents ?? []).some((o) => o.Key === where.key);
  } catch {
    return false;
  }
}
