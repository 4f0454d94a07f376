// SPDX-License-Identifier: MIT-0
import type { ProbeData, Rendition, SourceInfo } from './plan.ts';

export interface OutputFacts {
  key: string;
  rendition: Rendition;
  bytes: number;
  probe: ProbeData & { format: { bit_rate?: string | number } };
  /** The uploaded object's ETag (quotes allowed). */
  etag: string;
}

export interface Manifest {
  version: 2;
  createdAt: string;
  /** `etag`: the ETag of the source object that was read, without quotes (as in S3 event records). */
  source: SourceInfo & { bucket: string; key: string; etag: string; bytes: number };
  encode: { videoCodec: 'h264'; audioCodec: 'aac' | null; preset: string; crf: number };
  renditions: {
    name: string;
    bucket: string;
    key: string;
    /** The ETag of the object this manifest describes at `key` (a later run may overwrite it). */
    etag: string;
    width: number;
    height: number;
    bytes: number;
    durationSeconds: number;
    bitrate: number;
    videoCodec: string;
    audioCodec: string | null;
  }[];
}

/** The commit marker: what was produced, from ffprobe's view of each output file. */
export function buildManifest(input: {
  source: Manifest['source'];
  outputBucket: string;
  outputs: OutputFacts[];
  encode: { preset: string; crf: number };
  now?: Date;
}): Manifest {
  return {
    version: 2,
    createdAt: (input.now ?? new Date()).toISOString(),
    source: { ...input.source, etag: unquoted(input.source.etag) },
    encode: { videoCodec: 'h264', audioCodec: input.source.hasAudio ? 'aac' : null, ...input.encode },
    renditions: input.outputs.map((o) => {
      const video = o.probe.streams.find((s) => s.codec_type === 'video');
      const audio = o.probe.streams.find((s) => s.codec_type === 'audio');
      const duration = Number(o.probe.format.duration);
      const bitrate = Number(o.probe.format.bit_rate);
      return {
        name: o.rendition.name,
        bucket: input.outputBucket,
        key: o.key,
        etag: unquoted(o.etag),
        width: video?.width ?? o.rendition.width,
        height: video?.height ?? o.rendition.height,
        bytes: o.bytes,
        durationSeconds: Number.isFinite(duration) ? duration : 0,
        bitrate: Number.isFinite(bitrate) ? bitrate : duration > 0 ? Math.round((o.bytes * 8) / duration) : 0,
        videoCodec: video?.codec_name ?? 'unknown',
        audioCodec: audio?.codec_name ?? null,
      };
    }),
  };
}

/** `"abc"` -> `abc`: S3 returns ETags quoted in HTTP headers and bare in event records. */
export function unquoted(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}
