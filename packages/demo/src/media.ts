import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageItem, VideoItem } from './report.ts';

/** An image the flow wrote into `dir`, described from the file itself. */
export async function imageItem(dir: string, file: string, output: boolean, label = file): Promise<ImageItem> {
  const meta = await sharp(join(dir, file)).metadata();
  return {
    file,
    label,
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    bytes: statSync(join(dir, file)).size,
    output,
  };
}

interface Probe {
  streams: { codec_type: string; width?: number; height?: number; bit_rate?: string }[];
  format: { duration?: string; bit_rate?: string };
}

/**
 * A video the flow wrote into `dir`: resolution, bitrate and duration as ffprobe reads them, and
 * one frame (from its middle, capped at 1 s) extracted with ffmpeg to `<file>.poster.jpg` beside it.
 */
export function videoItem(dir: string, file: string, output: boolean, label = file): VideoItem {
  const path = join(dir, file);
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
      encoding: 'utf8',
    }),
  ) as Probe;
  const video = probe.streams.find((s) => s.codec_type === 'video');
  if (!video) throw new Error(`${path} has no video stream`);
  const seconds = Number(probe.format.duration ?? 0);
  const poster = `${file}.poster.jpg`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-ss',
    String(Math.min(1, seconds / 2)),
    '-i',
    path,
    '-frames:v',
    '1',
    '-vf',
    'scale=480:-2',
    join(dir, poster),
  ]);
  return {
    file,
    poster,
    label,
    width: video.width ?? 0,
    height: video.height ?? 0,
    // The video stream's own rate where the container states one, else the whole file's.
    bitrate: Number(video.bit_rate ?? probe.format.bit_rate ?? 0),
    seconds,
    bytes: statSync(path).size,
    output,
  };
}
