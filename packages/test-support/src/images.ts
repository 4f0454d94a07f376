import sharp from 'sharp';

/**
 * Generated images of known content, each with the top label the bundled MobileNetV2
 * gives it (checked against the real model by apps/model-server/test/model.int.test.ts):
 *   a blank canvas of one flat colour        -> Drawing  (~0.9)
 *   black line art (triangle, square, circle) on white -> Neutral (~1.0)
 */
export type Format = 'png' | 'jpeg' | 'webp';

export const EXPECTED = { canvas: 'Drawing', lineArt: 'Neutral' } as const;

export async function flatCanvas(
  format: Format = 'png',
  colour = '#3070c0',
  width = 240,
  height = 200,
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    [format]()
    .toBuffer();
}

const LINE_ART = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">
  <rect width="256" height="256" fill="#fff"/>
  <path d="M20 200 L80 60 L140 200 Z M150 60 h80 v80 h-80 Z" stroke="#000" stroke-width="4" fill="none"/>
  <circle cx="190" cy="200" r="40" stroke="#000" stroke-width="4" fill="none"/>
</svg>`;

export async function lineArt(format: Format = 'png'): Promise<Buffer> {
  return sharp(Buffer.from(LINE_ART)).flatten({ background: '#fff' })[format]().toBuffer();
}
