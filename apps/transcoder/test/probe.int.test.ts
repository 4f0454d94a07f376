import { makeClip, makeRotatedClip, withFile } from '@samples/test-support/clips';
import { describe, expect, it } from 'vitest';
import { probe } from '../src/ffmpeg.ts';
import { validateProbe } from '../src/plan.ts';

// The job's own probe (src/ffmpeg.ts) on real clips made with the host's ffmpeg, read by the
// job's own parser: what ffprobe reports for phone videos must reach the rendition plan.
describe('probe + validateProbe on real clips', () => {
  it('reads an unrotated clip at its coded size', async () => {
    const info = validateProbe(await withFile(makeClip({ width: 320, height: 240 }), probe));
    expect(info).toMatchObject({ width: 320, height: 240, hasAudio: true, videoCodec: 'h264', frameRate: 30 });
    expect(info.durationSeconds).toBeCloseTo(2, 1);
  });

  it.each([90, 270, -90])(
    'reads a clip coded 320x240 with a %i degree display rotation at its display size, 240x320',
    async (degrees) => {
      const data = await withFile(makeRotatedClip({ width: 320, height: 240, degrees }), probe);
      const video = data.streams.find((s) => s.codec_type === 'video');
      // What ffprobe 5.1 reports: the coded size, and the rotation in the display matrix side data.
      expect([video?.width, video?.height]).toEqual([320, 240]);
      expect(Math.abs(Number(video?.side_data_list?.[0]?.rotation))).toBe(90);
      const info = validateProbe(data);
      expect([info.width, info.height]).toEqual([240, 320]);
    },
  );

  it('keeps the coded size for a clip turned upside down (180 degrees)', async () => {
    const info = validateProbe(await withFile(makeRotatedClip({ width: 320, height: 240, degrees: 180 }), probe));
    expect([info.width, info.height]).toEqual([320, 240]);
  });
});
