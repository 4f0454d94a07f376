// SPDX-License-Identifier: MIT-0
import type { Rendition } from './plan.ts';

/** One ffmpeg run: a filter graph that decodes the source once, and one argument list per output. */
export interface TranscodeSpec {
  filter: string;
  outputs: { file: string; rendition: Rendition; options: string[] }[];
}

export interface EncodeSettings {
  preset: string;
  crf: number;
  audioBitrate?: string;
}

/**
 * The source's first video stream is decoded once and `split` into one branch per
 * rendition; each branch is scaled (square pixels, 4:2:0) and encoded to H.264 + AAC in an
 * MP4 whose index sits at the front (`+faststart`) so players can start before the end arrives.
 */
export function buildTranscodeSpec(
  renditions: readonly Rendition[],
  files: readonly string[],
  hasAudio: boolean,
  settings: EncodeSettings,
): TranscodeSpec {
  if (renditions.length === 0) throw new Error('no renditions to encode');
  if (files.length !== renditions.length) throw new Error('one output file per rendition');
  const n = renditions.length;
  const branches = renditions.map((_, i) => `[s${i}]`).join('');
  const scales = renditions.map(
    (r, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p[v${i}]`,
  );
  const filter = [`[0:v:0]split=${n}${branches}`, ...scales].join(';');
  const outputs = renditions.map((rendition, i) => ({
    file: files[i] as string,
    rendition,
    options: [
      '-map',
      `[v${i}]`,
      ...(hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', settings.audioBitrate ?? '128k', '-ac', '2'] : []),
      '-c:v',
      'libx264',
      '-preset',
      settings.preset,
      '-crf',
      String(settings.crf),
      '-profile:v',
      'high',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ],
  }));
  return { filter, outputs };
}

/** Seconds from ffmpeg's `HH:MM:SS.xx` time mark. */
export function timemarkSeconds(mark: string | undefined): number {
  if (!mark) return 0;
  const parts = mark.split(':').map(Number);
  if (parts.some((p) => !Number.isFinite(p))) return 0;
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

export interface Progress {
  percent: number;
  fps: number;
  speed: number;
  outTimeSeconds: number;
  frames: number;
}

/** Progress from ffmpeg's time mark, the probed duration and the wall time spent so far. */
export function progressOf(
  raw: { timemark?: string; currentFps?: number; frames?: number },
  durationSeconds: number,
  elapsedSeconds: number,
): Progress {
  const out = timemarkSeconds(raw.timemark);
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    percent: durationSeconds > 0 ? round(Math.min(100, (100 * out) / durationSeconds), 1) : 0,
    fps: round(raw.currentFps ?? 0, 1),
    speed: elapsedSeconds > 0 ? round(out / elapsedSeconds, 2) : 0,
    outTimeSeconds: round(out, 2),
    frames: raw.frames ?? 0,
  };
}
