// SPDX-License-Identifier: MIT-0
import type { Rendition } from './plan.ts';

const MAX_KEY_BYTES = 1024;

/**
 * `{prefix}/{720p}/{source key}.mp4`: the whole source key, extension included, so that
 * `clip.mov` and `clip.mp4` (two uploads) never write the same objects. S3 keys only, never file paths.
 */
export function renditionKey(prefix: string, rendition: Pick<Rendition, 'name'>, sourceKey: string): string {
  return checked(`${prefix}/${rendition.name}/${sourceKey}.mp4`);
}

/** `{prefix}/manifest/{source key}.json`, written last: its presence means the job is complete. */
export function manifestKey(prefix: string, sourceKey: string): string {
  return checked(`${prefix}/manifest/${sourceKey}.json`);
}

function checked(key: string): string {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new KeyTooLongError(
      `output key would be ${Buffer.byteLength(key, 'utf8')} bytes, over S3's ${MAX_KEY_BYTES}`,
    );
  }
  return key;
}

export class KeyTooLongError extends Error {
  override name = 'KeyTooLongError';
}
