// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { planRenditions } from './plan.ts';
import { buildTranscodeSpec, progressOf, timemarkSeconds } from './spec.ts';

const renditions = planRenditions({ width: 1920, height: 1080 }, [1080, 720, 480]);
const files = ['/w/out-0.mp4', '/w/out-1.mp4', '/w/out-2.mp4'];

describe('buildTranscodeSpec', () => {
  it('decodes once and splits into one scaled branch per rendition', () => {
    const spec = buildTranscodeSpec(renditions, files, true, { preset: 'medium', crf: 23 });
    expect(spec.filter).toBe(
      [
        '[0:v:0]split=3[s0][s1][s2]',
        '[s0]scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[v0]',
        '[s1]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p[v1]',
        '[s2]scale=854:480:flags=bicubic,setsar=1,format=yuv420p[v2]',
      ].join(';'),
    );
    expect(spec.outputs.map((o) => o.file)).toEqual(files);
  });

  it('encodes each output to H.264 crf 23 + AAC with the index at the front', () => {
    const [first] = buildTranscodeSpec(renditions, files, true, { preset: 'veryfast', crf: 23 }).outputs;
    expect(first?.options).toEqual([
      '-map',
      '[v0]',
      '-map',
      '0:a:0',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-ac',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-profile:v',
      'high',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ]);
  });

  it('maps no audio for a silent source', () => {
    const spec = buildTranscodeSpec(renditions.slice(0, 1), files.slice(0, 1), false, { preset: 'medium', crf: 23 });
    expect(spec.filter).toBe('[0:v:0]split=1[s0];[s0]scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[v0]');
    expect(spec.outputs[0]?.options).not.toContain('0:a:0');
    expect(spec.outputs[0]?.options).not.toContain('aac');
  });

  it('refuses an empty plan or mismatched files', () => {
    expect(() => buildTranscodeSpec([], [], true, { preset: 'medium', crf: 23 })).toThrow();
    expect(() => buildTranscodeSpec(renditions, files.slice(1), true, { preset: 'medium', crf: 23 })).toThrow();
  });
});

describe('progress', () => {
  it('parses time marks', () => {
    expect(timemarkSeconds('00:01:02.50')).toBe(62.5);
    expect(timemarkSeconds(undefined)).toBe(0);
    expect(timemarkSeconds('N/A')).toBe(0);
  });

  it('computes percent and speed from the probed duration and wall time', () => {
    expect(progressOf({ timemark: '00:00:30.00', currentFps: 59.94, frames: 900 }, 120, 10)).toEqual({
      percent: 25,
      fps: 59.9,
      speed: 3,
      outTimeSeconds: 30,
      frames: 900,
    });
    expect(progressOf({ timemark: '00:03:00.00' }, 120, 10).percent).toBe(100);
  });
});
