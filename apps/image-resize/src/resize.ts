// SPDX-License-Identifier: MIT-0
import sharp from 'sharp';
import type { Config } from './config.ts';
import { RejectedInput, undecodable } from './errors.ts';
import { displaySize, planRenditions, type Rendition } from './plan.ts';

export interface Encoded extends Rendition {
  body: Buffer;
}

const FORMATS_IN = new Set(['jpeg', 'png', 'webp', 'avif', 'heif', 'gif', 'tiff']);

/**
 * Decodes the image once (EXIF orientation applied, converted to sRGB, at the largest
 * rendition's size) and derives every rendition from those pixels. Output metadata is stripped
 * except an sRGB profile.
 *
 * Failures are classified by stage. Reading the input (its header, then its pixels) failing is
 * rejected input: the same bytes fail again on every retry. Anything after (resizing, encoding,
 * running out of memory) is thrown as it is, so Lambda retries the event.
 */
export async function renderAll(input: Buffer, sourceKey: string, config: Config): Promise<Encoded[]> {
  const options = { limitInputPixels: config.maxInputPixels, failOn: 'error' as const };
  const meta = await sharp(input, options)
    .metadata()
    .catch((err: unknown) => {
      throw undecodable(err);
    });
  if (!meta.format || !FORMATS_IN.has(meta.format))
    throw new RejectedInput(`unsupported format ${meta.format ?? 'unknown'}`);
  if (!meta.width || !meta.height) throw new RejectedInput('image has no dimensions');
  if (meta.width * meta.height > config.maxInputPixels) {
    throw new RejectedInput(`${meta.width}x${meta.height} exceeds the pixel limit of ${config.maxInputPixels}`);
  }
  const size = displaySize(meta);
  const plan = planRenditions({ ...size, key: sourceKey }, config);
  // One decode, straight to the largest rendition's size: JPEG and WebP decoders shrink
  // while decoding, so a 12 MP photo is never expanded to full size. libvips decodes lazily,
  // so this pipeline is where a truncated or corrupt file fails.
  const largest = plan[0];
  if (!largest) throw new Error('no renditions planned');
  const { data, info } = await sharp(input, options)
    .rotate()
    .resize({ width: largest.width, height: largest.height, fit: 'fill' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((err: unknown) => {
      throw undecodable(err);
    });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  return Promise.all(
    plan.map(async (r) => {
      let img = sharp(data, raw);
      if (r.width !== info.width) img = img.resize({ width: r.width, height: r.height, fit: 'fill' });
      if (r.format === 'jpeg')
        img = img.flatten({ background: '#ffffff' }).jpeg({ quality: config.quality, mozjpeg: true });
      else if (r.format === 'webp') img = img.webp({ quality: config.quality });
      else img = img.avif({ quality: config.quality });
      return { ...r, body: await img.withIccProfile('srgb').toBuffer() };
    }),
  );
}
