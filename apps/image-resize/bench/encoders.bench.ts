/**
 * The encoders' trade-off: CPU, bytes and fidelity per setting, for the default renditions
 * (1280/640/200) of a 12 MP photo, from pixels already decoded and resized (so only the encoder
 * differs). JPEG: mozjpeg (the handler's choice) against libjpeg-turbo (sharp's default, Huffman
 * tables already optimised); WebP: effort 4 (sharp's default, the handler's) against 0, 2 and 6.
 * All at the handler's quality. Fidelity is PSNR against the pixels that were encoded (higher
 * is closer; a crude measure, but the same for every setting). Interleaved rounds, CPU ratios to
 * the handler's setting taken round by round; recorded in the results table.
 */
import { type Figure, machineFacts, paired, printPaired, ratioOf, recordResults } from '@samples/bench';
import sharp, { type Sharp } from 'sharp';
import { parseConfig } from '../src/config.ts';
import { planRenditions } from '../src/plan.ts';
import { photo } from '../test/images.ts';

const config = parseConfig({ DEST_BUCKET: 'bench' });
const input = await photo(4000, 3000);
const widths = [...new Set(planRenditions({ width: 4000, height: 3000, key: 'b.jpg' }, config).map((r) => r.width))];
const pixels = await Promise.all(
  widths.map(async (width) => {
    const { data, info } = await sharp(input)
      .resize({ width })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, raw: { width: info.width, height: info.height, channels: info.channels } };
  }),
);

type Setting = (img: Sharp) => Sharp;
const q = config.quality;
const families: Record<string, { baseline: string; settings: Record<string, Setting> }> = {
  jpeg: {
    baseline: 'mozjpeg',
    settings: {
      mozjpeg: (i) => i.jpeg({ quality: q, mozjpeg: true }),
      'libjpeg-turbo': (i) => i.jpeg({ quality: q }),
    },
  },
  webp: {
    baseline: 'effort 4',
    settings: {
      'effort 4': (i) => i.webp({ quality: q, effort: 4 }),
      'effort 0': (i) => i.webp({ quality: q, effort: 0 }),
      'effort 2': (i) => i.webp({ quality: q, effort: 2 }),
      'effort 6': (i) => i.webp({ quality: q, effort: 6 }),
    },
  },
};

const encodeAll = (setting: Setting) =>
  Promise.all(pixels.map((p) => setting(sharp(p.data, { raw: p.raw })).toBuffer()));

/** PSNR in dB of the decoded output against the pixels that were encoded. */
async function psnr(encoded: Buffer, p: (typeof pixels)[number]): Promise<number> {
  const decoded = await sharp(encoded).toColourspace('srgb').removeAlpha().raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < p.data.length; i++) {
    const d = (p.data[i] as number) - (decoded[i] as number);
    sum += d * d;
  }
  const mse = sum / p.data.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

const figures: Figure[] = [];
const table: string[] = ['| format | setting | bytes (3 renditions) | PSNR (dB, mean) | CPU ratio to the default |'];
table.push('| --- | --- | --- | --- | --- |');
for (const [format, family] of Object.entries(families)) {
  const variants = Object.fromEntries(Object.entries(family.settings).map(([n, s]) => [n, () => encodeAll(s)]));
  const r = await paired(variants, { baseline: family.baseline, pairs: 8 });
  printPaired(`${format} encoders, ${widths.join('/')} px at quality ${q}`, r);
  for (const [name, setting] of Object.entries(family.settings)) {
    const out = await encodeAll(setting);
    const bytes = out.reduce((n, b) => n + b.length, 0);
    const fidelity = (await Promise.all(out.map((b, i) => psnr(b, pixels[i] as (typeof pixels)[number])))).reduce(
      (a, b) => a + b / out.length,
      0,
    );
    const isDefault = name === family.baseline;
    const ratio = ratioOf(r, name, family.baseline);
    table.push(
      `| ${format} | ${name}${isDefault ? ' (default)' : ''} | ${bytes} | ${fidelity.toFixed(2)} | ${isDefault ? '1.00x' : `${ratio.median.toFixed(2)}x (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`} |`,
    );
    figures.push({
      figure: `${format} ${name}: CPU for 3 renditions`,
      value: `${(r.variants[name]?.cpuMs.median ?? 0).toFixed(0)} ms, ${bytes} bytes, PSNR ${fidelity.toFixed(2)} dB`,
      ...(isDefault ? {} : { baseline: family.baseline, ratio }),
    });
  }
}
console.log(table.join('\n'));
recordResults(
  'image-resize encoders',
  figures,
  machineFacts({ sharp: sharp.versions.sharp, libvips: sharp.versions.vips }),
);
