import type { Config, Format } from './config.ts';

export interface Rendition {
  width: number;
  height: number;
  format: Format;
  key: string;
  contentType: string;
}

const EXT: Record<Format, string> = { jpeg: 'jpg', webp: 'webp', avif: 'avif' };
const TYPE: Record<Format, string> = { jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif' };

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

/** `photos/cat.JPG` -> `<prefix>photos/cat/640w.webp` */
export function renditionKey(prefix: string, sourceKey: string, width: number, format: Format): string {
  const stem = sourceKey.replace(/\.[^./]*$/, '');
  return `${prefix}${stem}/${width}w.${EXT[format]}`;
}

/**
 * Every configured width not above the source's (never upscaled; a source narrower than
 * all of them gets one rendition at its own width), times every format. Orientation is
 * already applied: width and height are as displayed.
 */
export function planRenditions(source: { width: number; height: number; key: string }, config: Config): Rendition[] {
  const fit = config.widths.filter((w) => w <= source.width);
  const widths = fit.length > 0 ? fit : [source.width];
  return widths.flatMap((width) =>
    config.formats.map((format) => ({
      width,
      height: Math.max(1, Math.round((source.height * width) / source.width)),
      format,
      key: renditionKey(config.destPrefix, source.key, width, format),
      contentType: TYPE[format],
    })),
  );
}

/** Width and height as displayed: EXIF orientations 5-8 swap them. */
export function displaySize(meta: { width: number; height: number; orientation?: number | undefined }) {
  return (meta.orientation ?? 1) >= 5
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
}
