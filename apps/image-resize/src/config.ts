// SPDX-License-Identifier: MIT-0
import { z } from 'zod';

const FORMATS = ['jpeg', 'webp', 'avif'] as const;
export type Format = (typeof FORMATS)[number];

const list = (name: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine((xs) => xs.length > 0, { error: `${name} must name at least one value` });

/** The function's configuration, read from its environment. */
export const ConfigSchema = z
  .object({
    /** Where renditions go. Required: writing next to the source is how resize loops start. */
    DEST_BUCKET: z.string().min(3, { error: 'DEST_BUCKET is required' }),
    DEST_PREFIX: z
      .string()
      .default('renditions/')
      .transform((p) => (p && !p.endsWith('/') ? `${p}/` : p)),
    WIDTHS: list('WIDTHS')
      .default(['1280', '640', '200'])
      .pipe(
        z.array(
          z
            .string()
            .regex(/^\d+$/, { error: 'WIDTHS must be whole numbers' })
            .transform(Number)
            .pipe(z.number().int().min(16).max(8192)),
        ),
      ),
    FORMATS: list('FORMATS')
      .default(['jpeg', 'webp'])
      .pipe(z.array(z.enum(FORMATS))),
    QUALITY: z.coerce.number().int().min(1).max(100).default(80),
    /** Checked with HeadObject before anything is downloaded. */
    MAX_INPUT_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(25 * 1024 * 1024),
    /** sharp's limitInputPixels: a decompression bomb is refused before it is decoded. */
    MAX_INPUT_PIXELS: z.coerce.number().int().positive().default(50_000_000),
    CACHE_CONTROL: z.string().default('public, max-age=31536000, immutable'),
  })
  .transform((c) => ({
    destBucket: c.DEST_BUCKET,
    destPrefix: c.DEST_PREFIX,
    widths: [...new Set(c.WIDTHS)].sort((a, b) => b - a),
    formats: [...new Set(c.FORMATS)],
    quality: c.QUALITY,
    maxInputBytes: c.MAX_INPUT_BYTES,
    maxInputPixels: c.MAX_INPUT_PIXELS,
    cacheControl: c.CACHE_CONTROL,
  }));

export type Config = z.output<typeof ConfigSchema>;

export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new Error(
      `invalid configuration: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}
