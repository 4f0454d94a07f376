import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { EXPECTED, type Format, flatCanvas, lineArt } from '@samples/test-support/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classifier, loadClassifier } from '../src/model.ts';
import { toModelInput, UndecodableImageError } from '../src/preprocess.ts';
import { createModelServer } from '../src/server.ts';

// The real MobileNetV2 from the nsfwjs package on TensorFlow.js (WebAssembly), real sharp,
// a real HTTP server on a free port.
let classifier: Classifier;
let base: string;
const server = { close: () => Promise.resolve() };

beforeAll(async () => {
  classifier = await loadClassifier();
  const s = createModelServer({ classifier, logger: new Logger({ logLevel: 'ERROR' }), maxBytes: 256 * 1024 });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  server.close = () => new Promise((resolve) => s.close(() => resolve()));
});
afterAll(() => server.close());

const post = (path: string, body: Uint8Array, type: string) =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

describe('classifier', () => {
  it.each<Format>(['png', 'jpeg', 'webp'])(
    'labels a flat canvas (%s) as a drawing and line art as neutral',
    async (f) => {
      for (const [image, label] of [
        [await flatCanvas(f), EXPECTED.canvas],
        [await lineArt(f), EXPECTED.lineArt],
      ] as const) {
        const input = await toModelInput(image);
        expect(input.rgb.length).toBe(224 * 224 * 3);
        const predictions = await classifier.classify(input.rgb, input.width, input.height);
        const top = [...predictions].sort((a, b) => b.score - a.score)[0]!;
        expect(top.label).toBe(label);
        expect(top.score).toBeGreaterThan(0.5);
        expect(predictions.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 3);
      }
    },
  );

  it('refuses bytes that are not an image', async () => {
    await expect(toModelInput(Buffer.from('definitely not an image'))).rejects.toBeInstanceOf(UndecodableImageError);
  });
});

describe('HTTP server', () => {
  it('answers /ping', async () => {
    const res = await fetch(`${base}/ping`);
    expect(res.status).toBe(200);
  });

  it('classifies on /invocations: all five labels, sorted by score', async () => {
    const res = await post('/invocations', await lineArt('jpeg'), 'image/jpeg');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { label: string; score: number }[];
    expect(body.map((p) => p.label).sort()).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(body[0]!.label).toBe(EXPECTED.lineArt);
    expect(body.map((p) => p.score)).toEqual([...body.map((p) => p.score)].sort((a, b) => b - a));
  });

  it('answers the runtime path as SageMaker would', async () => {
    const ok = await post('/endpoints/demo/invocations', await flatCanvas('webp'), 'image/webp');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { label: string }[])[0]!.label).toBe(EXPECTED.canvas);
    const bad = await post('/endpoints/demo/invocations', Buffer.from('garbage'), 'image/png');
    expect(bad.status).toBe(424);
    expect(bad.headers.get('x-amzn-errortype')).toBe('ModelError');
    expect(((await bad.json()) as { OriginalStatusCode: number }).OriginalStatusCode).toBe(400);
  });

  it('maps bad requests to 400, 404, 405, 413 and 415', async () => {
    expect((await post('/invocations', Buffer.from('garbage'), 'image/png')).status).toBe(400);
    expect((await post('/invocations', new Uint8Array(0), 'image/png')).status).toBe(400);
    expect((await post('/invocations', await lineArt(), 'image/gif')).status).toBe(415);
    expect((await post('/invocations', new Uint8Array(300 * 1024), 'image/png')).status).toBe(413);
    expect((await fetch(`${base}/invocations`)).status).toBe(405);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});
