import type { Rendition } from './plan.ts';

const MAX_KEY_BYTES = 1024;

/** The source key without the extension of its last segment: `a/b/clip.mov` -> `a/b/clip`. */
export function stem(key: string): string {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  return dot > slash + 1 ? key.slice(0, dot) : key;
}

/** `{prefix}/{720p}/{key without extension}.mp4`: S3 keys only, never file paths. */
export function renditionKey(prefix: string, rendition: Pick<Rendition, 'name'>, sourceKey: string): string {
  return checked(`${prefix}/${rendition.name}/${stem(sourceKey)}.mp4`);
}

/** `{prefix}/manifest/{key without extension}.json`, written last: its presence means the job is complete. */
export function manifestKey(prefix: string, sourceKey: string): string {
  return checked(`${prefix}/manifest/${stem(sourceKey)}.json`);
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
