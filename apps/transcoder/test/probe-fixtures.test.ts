import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/errors.ts';
import { type ProbeData, validateProbe } from '../src/plan.ts';
import { durationTolerance, mediaDurationSeconds, shortOutputs } from '../src/verify.ts';
import { probeFixture } from './fixtures/capture-probes.ts';

// Unit tests of src/plan.ts and src/verify.ts on real ffprobe 5.1 output of real clips, as the
// job's probe returns it (fixtures/capture-probes.ts), never hand-written: the parser must read
// what ffprobe prints. They live beside the fixtures, so src/ copies alone.
const real = (name: string) => probeFixture(name) as ProbeData;

describe('validateProbe', () => {
  it('reads size, duration, frame rate and audio', () => {
    expect(validateProbe(real('landscape-1920x1080-ntsc'))).toEqual({
      width: 1920,
      height: 1080,
      durationSeconds: 2.002,
      hasAudio: true,
      videoCodec: 'h264',
      frameRate: 30000 / 1001,
    });
  });

  it.each(['rotated-90', 'rotated-270', 'rotated-minus-90'])(
    'swaps width and height for a source whose display matrix turns it a quarter (%s)',
    (name) => {
      const info = validateProbe(real(name));
      expect([info.width, info.height]).toEqual([240, 320]);
    },
  );

  it('keeps the coded size for a source turned upside down', () => {
    const info = validateProbe(real('rotated-180'));
    expect([info.width, info.height]).toEqual([320, 240]);
  });

  it('refuses audio only, cover art only, no duration, absurd sizes and too long sources', () => {
    expect(() => validateProbe(real('audio-only'))).toThrow(/no video stream/);
    expect(() => validateProbe(real('cover-art-only'))).toThrow(/no video stream/);
    expect(() => validateProbe(real('raw-h264-no-duration'))).toThrow(/duration/);
    expect(() => validateProbe(real('tiny-8x8'))).toThrow(/size 8x8/);
    expect(() => validateProbe(real('wide-8200x16'))).toThrow(/size 8200x16/);
    expect(() => validateProbe(real('landscape-1920x1080-ntsc'), { maxDurationSeconds: 1 })).toThrow(/limit/);
    expect(() => validateProbe(real('audio-only'))).toThrow(InvalidInputError);
  });
});

// A 4 s faststart clip, the same clip with 60% of its bytes, and what ffmpeg's default
// options make of each.
describe('mediaDurationSeconds', () => {
  it('is the longest of the first video and audio stream', () => {
    expect(mediaDurationSeconds(real('whole-output'))).toBeCloseTo(4.01, 3);
    expect(mediaDurationSeconds(real('cut-short-output'))).toBeCloseTo(2.453, 3);
  });

  it('believes the index of a file cut short: the source still claims its full duration', () => {
    expect(mediaDurationSeconds(real('cut-short-source'))).toBe(4);
  });
});

describe('shortOutputs', () => {
  const fps = 30;

  it('accepts a complete transcode (AAC priming makes it a few ms longer)', () => {
    expect(shortOutputs(real('whole-source'), [{ name: '360p', probe: real('whole-output') }], fps)).toEqual([]);
  });

  it('names an output that ends before the source does', () => {
    const short = shortOutputs(real('cut-short-source'), [{ name: '360p', probe: real('cut-short-output') }], fps);
    expect(short).toEqual(["360p lasts 2.45 s of the source's 4.00 s"]);
  });

  it('allows two frames and 50 ms, no more', () => {
    const source = real('whole-source');
    const output = (seconds: number) => ({
      name: 'x',
      probe: { ...source, streams: source.streams.map((s) => ({ ...s, duration: String(seconds) })) },
    });
    expect(shortOutputs(source, [output(4 - durationTolerance(fps) + 0.001)], fps)).toEqual([]);
    expect(shortOutputs(source, [output(4 - durationTolerance(fps) - 0.001)], fps)).toHaveLength(1);
  });
});
