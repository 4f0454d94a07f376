// SPDX-License-Identifier: MIT-0
import type { Config, Format } from './config.ts';
import { RejectedInput } from './errors.ts';

export interface Rendition {
  width: number;
  height: number;
  format: Format;
  key: string;
  contentType: string;
}

const EXT: Record<Format, string> = { jpeg: 'jpg', webp: 'webp', avif: 'avif' };
const TYPE: Record<Format, string> = { jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif' };
/** The largest side each encoder takes: sharp refuses more ("Processed image is too large for the ... format"). */
const MAX_SIDE: Record<Format, number> = { jpeg: 65_535, webp: 16_383, avif: 16_384 };
/** S3 object keys are at most 1,024 bytes of UTF-8, prefix included. */
export const MAX_KEY_BYTES = 1024;

/** S3 event keys are URL-encoded with `+` for space. */
export function decodeS3Key(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/**
 * Why a record must not be processed because of where it is, or undefined. Writing where
 * the trigger listens would make every rendition trigger another run.
 */
export function recursionGuard(bucket: string, key: string, config: Config): string | undefined {
  if (bucket !== config.destBucket) return undefined;
  if (config.destPrefix === '') return 'DEST_BUCKET is the source bucket and DEST_PREFIX is empty';
  if (key.startsWith(config.destPrefix)) return `key is under the output prefix ${config.destPrefix}`;
  return undefined;
}

/**
 * `photos/cat.JPG` -> `<prefix>photos/cat.JPG/640w.webp`. The whole source key is kept, so
 * `cat.jpg` and `cat.png` never write the same objects; the part after the last `/` is always
 * `<width>w.<ext>`, so no two source keys share a rendition key.
 */
export function renditionKey(prefix: string, sourceKey: string, width: number, format: Format): string {
  return `${prefix}${sourceKey}/${width}w.${EXT[format]}`;
}

/**
 * Why the source's rendition keys cannot exist in S3, or undefined. Checked before anything is
 * downloaded. The widest configured width has the most digits: a source narrower than every
 * width gets its own, smaller, width.
 */
export function renditionKeyProblem(sourceKey: string, config: Config): string | undefined {
  const widest = Math.max(...config.widths);
  const bytes = Math.max(
    ...config.formats.map((f) => Buffer.byteLength(renditionKey(config.destPrefix, sourceKey, widest, f))),
  );
  return bytes > MAX_KEY_BYTES
    ? `rendition keys would be up to ${bytes} bytes, above S3's ${MAX_KEY_BYTES}-byte key limit: shorten the source key`
    : undefined;
}

/**
 * Every configured width not above the source's (never upscaled; a source narrower than
 * all of them gets one rendition at its own width), times every format. Orientation is
 * already applied: width and height are as displayed. A rendition larger than its format
 * can encode is rejected input.
 */
export function planRenditions(source: { width: number; height: number; key: string }, config: Config): Rendition[] {
  const fit = config.widths.filter((w) => w <= source.width);
  const widths = fit.length > 0 ? fit : [source.width];
  const plan = widths.flatMap((width) =>
    config.formats.map((format) => ({
      width,
      height: Math.max(1, Math.round((source.height * width) / source.width)),
      format,
      key: renditionKey(config.destPrefix, source.key, width, format),
      contentType: TYPE[format],
    })),
  );
  // Failures after decoding are retried, so a size the encoder can never take is refused here.
  const tooLarge = plan.find((r) => Math.max(r.width, r.height) > MAX_SIDE[r.format]);
  if (tooLarge) {
    throw new RejectedInput(
      `a ${tooLarge.width}x${tooLarge.height} rendition is too large for ${tooLarge.format} (at most ${MAX_SIDE[tooLarge.format]} px a side)`,
    );
  }
  return plan;
}

/** Width and height as displayed: EXIF orientations 5-8 swap them. */
export function displaySize(meta: { width: number; height: number; orientation?: number | undefined }) {
  return (meta.orientation ?? 1) >= 5
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
}
