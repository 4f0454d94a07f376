import { makeClip } from '@samples/test-support/clips';
import { manifestKey as transcoderManifestKey } from '@samples/transcoder/contract';
import { describe, expect, it } from 'vitest';
import { manifestKey } from '../src/notice.ts';
import { SNIFF_BYTES, sniffContainer } from '../src/sniff.ts';

// Cross-app: src/ is copied alone and keeps its own copy of the transcoder's rules; these
// checks hold the copies to the transcoder's code and output.
describe('the pipeline agrees with the transcoder', () => {
  it('on where the manifest of each upload is written', () => {
    for (const key of ['in/clip.mp4', 'a/b/c.d.mov', 'noext', 'dir.v2/file', 'x/.hidden']) {
      expect(manifestKey('processed', key)).toBe(transcoderManifestKey('processed', key));
      expect(manifestKey('/videos/', key)).toBe(transcoderManifestKey('videos', key));
    }
  });

  it('on what an MP4 is: a clip made by ffmpeg is recognised from its first 4 KiB', () => {
    const clip = makeClip({ width: 320, height: 240, seconds: 1 });
    expect(sniffContainer(clip.subarray(0, SNIFF_BYTES))).toBe('mp4');
  });
});
