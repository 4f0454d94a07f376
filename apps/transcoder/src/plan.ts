// SPDX-License-Identifier: MIT-0
import { InvalidInputError } from './errors.ts';

/** What the program needs to know about the source, from ffprobe. */
export interface SourceInfo {
  /** Display size: coded size with a 90/270 degree rotation applied. */
  width: number;
  height: number;
  durationSeconds: number;
  hasAudio: boolean;
  videoCodec: string;
  frameRate: number;
}

export interface Rendition {
  /** e.g. "720p": the short side of the output, as video platforms name portrait renditions too. */
  name: string;
  width: number;
  height: number;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/**
 * One rendition per requested size whose short side does not exceed the source's (no
 * upscaling); the aspect ratio is kept and both dimensions are even (H.264 4:2:0 needs it).
 * A source smaller than every requested size gets a single rendition at its own size.
 */
export function planRenditions(source: Pick<SourceInfo, 'width' | 'height'>, sizes: readonly number[]): Rendition[] {
  const { width, height } = source;
  const portrait = height > width;
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const fit = [...new Set(sizes)].filter((s) => s <= short).sort((a, b) => b - a);
  const targets = fit.length > 0 ? fit : [short];
  const seen = new Set<string>();
  const out: Rendition[] = [];
  for (const s of targets) {
    const shortSide = Math.min(even(s), short - (short % 2));
    const longSide = even((long * shortSide) / short);
    const r = portrait
      ? { name: `${s}p`, width: shortSide, height: longSide }
      : { name: `${s}p`, width: longSide, height: shortSide };
    const id = `${r.width}x${r.height}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(r);
    }
  }
  return out;
}

/** The subset of ffprobe's JSON this program reads. */
export interface ProbeData {
  streams: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    duration?: string | number;
    tags?: Record<string, string | undefined>;
    side_data_list?: { rotation?: number | string }[];
    disposition?: Record<string, number | undefined>;
  }[];
  format: { duration?: string | number; format_name?: string };
}

export interface Limits {
  maxDurationSeconds: number;
  maxDimension: number;
  minDimension: number;
}

const DEFAULT_LIMITS: Limits = { maxDurationSeconds: 6 * 3600, maxDimension: 8192, minDimension: 16 };

const num = (v: unknown) => (v === undefined || v === null || v === 'N/A' ? Number.NaN : Number(v));

function rate(r: string | undefined): number {
  if (!r) return Number.NaN;
  const [n, d] = r.split('/').map(Number);
  return d ? (n as number) / d : Number(n);
}

/** Checks ffprobe's answer: a video stream (not cover art), a sane size and duration. */
export function validateProbe(data: ProbeData, limits: Partial<Limits> = {}): SourceInfo {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const video = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) throw new InvalidInputError('the source has no video stream');
  const w = num(video.width);
  const h = num(video.height);
  if (!(w >= l.minDimension && h >= l.minDimension && w <= l.maxDimension && h <= l.maxDimension)) {
    throw new InvalidInputError(
      `the source's video size ${video.width}x${video.height} is outside ${l.minDimension}..${l.maxDimension} pixels`,
    );
  }
  const duration = Number.isFinite(num(data.format.duration)) ? num(data.format.duration) : num(video.duration);
  if (!(duration > 0)) throw new InvalidInputError('the source has no usable duration');
  if (duration > l.maxDurationSeconds) {
    throw new InvalidInputError(
      `the source lasts ${duration.toFixed(0)} s, over the limit of ${l.maxDurationSeconds} s`,
    );
  }
  const rotation =
    Math.abs(num(video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0)) %
    180;
  const rotated = rotation === 90;
  const fps = rate(video.avg_frame_rate);
  return {
    width: rotated ? h : w,
    height: rotated ? w : h,
    durationSeconds: duration,
    hasAudio: data.streams.some((s) => s.codec_type === 'audio'),
    videoCodec: video.codec_name ?? 'unknown',
    frameRate: Number.isFinite(fps) && fps > 0 ? fps : rate(video.r_frame_rate),
  };
}
