/**
 * Everything that touches fluent-ffmpeg (archived upstream) lives here, so it can be swapped
 * for a plain child_process call without touching the rest of the program.
 */
import ffmpeg from 'fluent-ffmpeg';
import { InterruptedError, InvalidInputError } from './errors.ts';
import type { ProbeData } from './plan.ts';
import type { TranscodeSpec } from './spec.ts';

/** ffprobe's streams and format; an unreadable file is an invalid input. */
export function probe(file: string): Promise<ProbeData> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err: Error | null, data: ffmpeg.FfprobeData) => {
      if (err) {
        const msg = String(err.message ?? err);
        // "ffprobe exited with code 1": ffprobe ran and could not read the file.
        if (/exited with code/.test(msg)) {
          const last = msg.trim().split('\n').filter(Boolean).at(-1) ?? msg;
          reject(new InvalidInputError(`the source is not a readable media file (${last.trim()})`));
        } else reject(err);
        return;
      }
      resolve(data as unknown as ProbeData);
    });
  });
}

export interface RawProgress {
  timemark?: string;
  currentFps?: number;
  frames?: number;
}

/** Runs one ffmpeg process for the whole spec; abort kills it. */
export function transcode(
  input: string,
  spec: TranscodeSpec,
  opts: { signal?: AbortSignal; onProgress?: (p: RawProgress) => void; threads?: number } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new InterruptedError('stopped before ffmpeg started'));
      return;
    }
    const cmd = ffmpeg(input).inputOptions(['-nostdin', '-hide_banner']).complexFilter(spec.filter);
    for (const o of spec.outputs) cmd.output(o.file).outputOptions(o.options);
    let stderr = '';
    const onAbort = () => cmd.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cmd
      .on('progress', (p: RawProgress) => opts.onProgress?.(p))
      .on('stderr', (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-4000);
      })
      .on('error', (err: Error) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) reject(new InterruptedError('ffmpeg stopped'));
        else reject(new Error(`ffmpeg failed: ${err.message}\n${stderr.trim().split('\n').slice(-5).join('\n')}`));
      })
      .on('end', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      })
      .run();
  });
}
