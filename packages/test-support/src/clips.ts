import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test inputs made with ffmpeg's own test sources (testsrc2 picture, sine tone), no files shipped. */
export interface ClipOptions {
  width: number;
  height: number;
  seconds?: number;
  audio?: boolean;
  fps?: number;
  /** The index (moov) before the media data, as `-movflags +faststart` writes it. */
  faststart?: boolean;
  /** libx264 settings: `ultrafast` by default (quick to make); a slower preset and low CRF make a camera-like bitrate. */
  preset?: string;
  crf?: number;
}

/** Runs `fn` with a file path in a fresh scratch directory, removed again afterwards. */
function scratch<T>(name: string, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'transcoder-clips-'));
  try {
    return fn(join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeClip({
  width,
  height,
  seconds = 2,
  audio = true,
  fps = 30,
  faststart = false,
  preset = 'ultrafast',
  crf,
}: ClipOptions): Buffer {
  const args = [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
  ];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    preset,
    ...(crf === undefined ? [] : ['-crf', String(crf)]),
    '-pix_fmt',
    'yuv420p',
  );
  if (audio) args.push('-c:a', 'aac', '-shortest');
  if (faststart) args.push('-movflags', '+faststart');
  return scratch('clip.mp4', (file) => {
    execFileSync('ffmpeg', [...args, file]);
    return readFileSync(file);
  });
}

/** A tone and nothing else. */
export function makeAudioOnly(seconds = 2): Buffer {
  return scratch('tone.m4a', (file) => {
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds}`,
      '-c:a',
      'aac',
      file,
    ]);
    return readFileSync(file);
  });
}

export interface MediaFacts {
  format: { duration?: string };
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    duration?: string;
    side_data_list?: { rotation?: number }[];
  }[];
}

/** ffprobe on bytes (written to a scratch file). */
export function ffprobe(bytes: Uint8Array): MediaFacts {
  return scratch('probe.mp4', (file) => {
    writeFileSync(file, bytes);
    const out = execFileSync(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      {
        encoding: 'utf8',
      },
    );
    return JSON.parse(out) as MediaFacts;
  });
}

/** Random noise (incompressible): a few seconds give renditions of several multipart parts. */
export function makeNoiseClip(width: number, height: number, seconds = 2): Buffer {
  return scratch('noise.mp4', (file) => {
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi'],
      ...['-i', `nullsrc=s=${width}x${height}:r=30:d=${seconds},geq=random(1)*255:128:128`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '10', '-pix_fmt', 'yuv420p', file],
    ]);
    return readFileSync(file);
  });
}

/**
 * A clip as a phone records it: coded `width`x`height`, with a display matrix that rotates it
 * by `degrees`. ffmpeg 5.1 turns the `rotate` stream tag of an mp4 remux into that matrix, which
 * ffprobe reports as `side_data_list[].rotation` (90 -> 90, 270 and -90 -> -90).
 */
export function makeRotatedClip(options: ClipOptions & { degrees: number }): Buffer {
  const clip = makeClip(options);
  return scratch('rotated.mp4', (file) => {
    const source = `${file}.source.mp4`;
    writeFileSync(source, clip);
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-i', source, '-map', '0', '-c', 'copy'],
      ...['-metadata:s:v:0', `rotate=${options.degrees}`, file],
    ]);
    return readFileSync(file);
  });
}

/** Writes bytes to a scratch file and runs `fn` on its path (e.g. the job's own probe). */
export function withFile<T>(bytes: Uint8Array, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'transcoder-clips-'));
  const file = join(dir, 'clip');
  writeFileSync(file, bytes);
  return fn(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/**
 * An upload cut short: a faststart clip (index at the front) with only the first `fraction` of
 * its bytes. Its index still announces the full duration, so probing it succeeds; decoding it
 * runs out of data part way.
 */
export function makeCutShortClip(options: ClipOptions & { fraction: number }): Buffer {
  const whole = makeClip({ ...options, faststart: true });
  return whole.subarray(0, Math.floor(whole.length * options.fraction));
}

/**
 * An upload cut short exactly after a whole packet (the `packet`-th, in file order): no packet
 * is torn, so nothing fails to decode and ffmpeg exits 0 even with `-xerror`; only the
 * demuxer's "partial file" notes and the outputs' durations tell.
 */
export function makeCutAtPacketClip(options: ClipOptions & { packet: number }): Buffer {
  const whole = makeClip({ ...options, faststart: true });
  const packets = scratch('whole.mp4', (file) => {
    writeFileSync(file, whole);
    return execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=pos,size', '-of', 'csv=p=0', file], {
      encoding: 'utf8',
    });
  })
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const [pos, size] = packets[options.packet] as [number, number];
  return whole.subarray(0, pos + size);
}
