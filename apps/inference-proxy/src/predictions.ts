// SPDX-License-Identifier: MIT-0
import { z } from 'zod';
import { HttpError } from './errors.ts';

export const predictionSchema = z.object({ label: z.string().min(1), score: z.number().finite() });
export type Prediction = z.infer<typeof predictionSchema>;

const responseSchema = z.array(predictionSchema).min(1);

/** The model's JSON answer (`[{label, score}]`), validated: anything else is a 502. */
export function parseModelResponse(body: Uint8Array | undefined): Prediction[] {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body ?? new Uint8Array()).toString('utf8'));
  } catch {
    throw new HttpError(502, 'the model returned a response that is not JSON');
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw new HttpError(502, 'the model returned an unexpected response');
  return parsed.data;
}

/** The k highest-scoring predictions, highest first (ties keep the model's order). */
export function topK(predictions: readonly Prediction[], k: number): Prediction[] {
  return predictions
    .map((p, i) => ({ p, i }))
    .sort((a, b) => b.p.score - a.p.score || a.i - b.i)
    .slice(0, k)
    .map(({ p }) => p);
}
