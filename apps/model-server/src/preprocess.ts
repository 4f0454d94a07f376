// SPDX-License-Identifier: MIT-0
import sharp from 'sharp';
import { INPUT_SIZE } from './model.ts';

/** Raw RGB pixels at the model's input size. */
export interface ModelInput {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Thrown when the bytes are not an image sharp can decode. */
export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

/**
 * Decodes JPEG, PNG or WebP bytes, applies the EXIF orientation, flattens any alpha onto
 * white and resizes (squashing, as the model was trained) to 224 x 224 RGB.
 */
export async function toModelInput(image: Uint8Array, size = INPUT_SIZE): Promise<ModelInput> {
  try {
    const { data, info } = await sharp(image, { failOn: 'error', limitInputPixels: 50_000_000 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(size, size, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    throw new UndecodableImageError(`cannot decode image: ${err instanceof Error ? err.message : String(err)}`);
  }
}
