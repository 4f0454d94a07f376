// SPDX-License-Identifier: MIT-0
import type { ProbeData } from './plan.ts';

type Stream = ProbeData['streams'][number];

const seconds = (s: Stream | undefined): number => {
  if (!s) return Number.NaN;
  const d = Number(s.duration);
  if (Number.isFinite(d)) return d;
  // Matroska keeps per-stream durations in a tag, `HH:MM:SS.nnnnnnnnn`.
  const tag = s.tags?.DURATION;
  if (!tag) return Number.NaN;
  return tag.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
};

/**
 * How long the streams the job encodes last: the first video stream (not cover art) and the
 * first audio stream, the longer of the two; the container's duration when streams carry none.
 */
export function mediaDurationSeconds(data: ProbeData): number {
  const video = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = data.streams.find((s) => s.codec_type === 'audio');
  const longest = Math.max(...[seconds(video), seconds(audio)].filter(Number.isFinite));
  return Number.isFinite(longest) ? longest : Number(data.format.duration);
}

/**
 * How much shorter than the source a complete output may be: two frames (the muxer may count
 * the last frame's duration differently, and a frame rate conversion may drop one) plus 50 ms
 * (AAC works in 1024-sample frames, 21-23 ms at 48/44.1 kHz, with priming and padding at the
 * ends). Measured with ffmpeg 5.1: complete outputs differ by under 20 ms. A source cut short
 * loses far more, and its decode errors are caught before this check.
 */
export function durationTolerance(frameRate: number): number {
  const fps = Number.isFinite(frameRate) && frameRate > 0 ? frameRate : 24;
  return 2 / fps + 0.05;
}

/** Each output that ends before the source does (beyond the tolerance), described. */
export function shortOutputs(
  source: ProbeData,
  outputs: readonly { name: string; probe: ProbeData }[],
  frameRate: number,
): string[] {
  const expected = mediaDurationSeconds(source);
  if (!Number.isFinite(expected)) return [];
  const tolerance = durationTolerance(frameRate);
  return outputs.flatMap((o) => {
    const got = mediaDurationSeconds(o.probe);
    return Number.isFinite(got) && got >= expected - tolerance
      ? []
      : [
          `${o.name} lasts ${Number.isFinite(got) ? got.toFixed(2) : 'unknown'} s of the source's ${expected.toFixed(2)} s`,
        ];
  });
}

// What ffmpeg's demuxers and decoders print when the input's data is damaged or ends early.
const DAMAGE =
  /Error while decoding stream|Invalid data found when processing input|: partial file|corrupt input packet|Packet corrupt|Error splitting the input into NAL units|moov atom not found/;

/** Whether an ffmpeg log line blames the input's data (not the disk, memory or the encoder). */
export function reportsDamagedInput(line: string): boolean {
  return DAMAGE.test(line);
}
