// SPDX-License-Identifier: MIT-0
/**
 * Everything that runs ffmpeg or ffprobe lives here; fluent-ffmpeg (archived upstream) drives
 * the transcode only, so it can be swapped for a plain child_process call without touching the rest.
 */
import { execFile } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { InterruptedError, InvalidInputError } from './errors.ts';
import type { ProbeData } from './plan.ts';
import type { TranscodeSpec } from './spec.ts';
import { reportsDamagedInput } from './verify.ts';

/**
 * ffprobe's streams and format, from its JSON writer; an unreadable file is an invalid input.
 * Not fluent-ffmpeg's ffprobe: it parses ffprobe's default text output, which flattens
 * `[SIDE_DATA]` sections into the stream and never fills `side_data_list`, where ffprobe 5+
 * reports a phone video's rotation (display matrix). Rotated clips then came out landscape.
 */
export function probe(file: string): Promise<ProbeData> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          // A number: ffprobe ran and could not read the file. Anything else (ENOENT, a signal) is not about the input.
          if (typeof err.code === 'number') {
            const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? `ffprobe exited with code ${err.code}`;
            reject(new InvalidInputError(`the source is not a readable media file (${last.trim()})`));
          } else reject(err);
          return;
        }
        try {
          const data = JSON.parse(stdout) as Partial<ProbeData>;
          resolve({ streams: data.streams ?? [], format: data.format ?? {} });
        } catch (parseErr) {
          reject(
            new Error(`ffprobe printed no JSON: ${parseErr instanceof Error ? parseErr.message : String(parseErr)}`),
          );
        }
      },
    );
  });
}

export interface RawProgress {
  timemark?: string;
  currentFps?: number;
  frames?: number;
}

/**
 * Runs one ffmpeg process for the whole spec; abort kills it. By default ffmpeg decodes a
 * damaged or truncated input as far as it can and exits 0; `-xerror` makes it stop at the first
 * error, and an error that blames the input's data is an invalid input (nothing to retry).
 */
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
    const cmd = ffmpeg(input).inputOptions(['-nostdin', '-hide_banner', '-xerror']).complexFilter(spec.filter);
    for (const o of spec.outputs) cmd.output(o.file).outputOptions(o.options);
    let stderr = '';
    let damage: string | undefined;
    const damaged = () =>
      new InvalidInputError(`the source is damaged or cut short: ffmpeg reported "${(damage as string).trim()}"`);
    const onAbort = () => cmd.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cmd
      .on('progress', (p: RawProgress) => opts.onProgress?.(p))
      .on('stderr', (line: string) => {
        stderr = `${stderr}\n${line}`.slice(-4000);
        if (damage === undefined && reportsDamagedInput(line)) damage = line;
      })
      .on('error', (err: Error) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (opts.signal?.aborted) reject(new InterruptedError('ffmpeg stopped'));
        else if (damage !== undefined) reject(damaged());
        else reject(new Error(`ffmpeg failed: ${err.message}\n${stderr.trim().split('\n').slice(-5).join('\n')}`));
      })
      .on('end', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (damage !== undefined) reject(damaged());
        else resolve();
      })
      .run();
  });
}
