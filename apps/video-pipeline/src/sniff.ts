// SPDX-License-Identifier: MIT-0
/**
 * What a file's first bytes say it is. Only containers ffmpeg reads and the transcoder
 * accepts; the answer is a hint, not a guarantee (the transcoder still probes the file).
 */
export type Container = 'mp4' | 'quicktime' | 'matroska' | 'avi' | 'mpeg-ts' | 'mpeg-ps' | 'flv';

/** ISO base media boxes that can come first in an MP4/MOV file. */
const LEADING_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

/** How many leading bytes `sniffContainer` wants. */
export const SNIFF_BYTES = 4096;

export function sniffContainer(head: Uint8Array): Container | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 12) {
    const box = b.toString('latin1', 4, 8);
    if (box === 'ftyp') return b.toString('latin1', 8, 12) === 'qt  ' ? 'quicktime' : 'mp4';
    if (LEADING_BOXES.has(box) && b.readUInt32BE(0) >= 8) return 'quicktime';
  }
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) return 'matroska'; // EBML: .mkv, .webm
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'AVI ') return 'avi';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x000001ba) return 'mpeg-ps';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'FLV') return 'flv';
  // MPEG transport stream: a 0x47 sync byte every 188 bytes.
  if (b.length >= 3 * 188 && [0, 188, 376].every((i) => b[i] === 0x47)) return 'mpeg-ts';
  return undefined;
}

export interface ObjectFacts {
  size: number;
  contentType: string | undefined;
  container: Container | undefined;
}

/** Content types an upload of a video may carry: video/*, or a generic binary type. */
const GENERIC_TYPES = new Set(['application/octet-stream', 'binary/octet-stream', 'application/mp4']);

/** Why the object is not a video the pipeline should transcode, or undefined if it is. */
export function rejectionReason(facts: ObjectFacts, limits: { maxBytes: number }): string | undefined {
  if (facts.size === 0) return 'the object is empty';
  if (facts.size > limits.maxBytes) {
    return `the object is ${facts.size} bytes, over the limit of ${limits.maxBytes}`;
  }
  const type = facts.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type && !type.startsWith('video/') && !GENERIC_TYPES.has(type)) {
    return `content type ${type} is not a video`;
  }
  if (!facts.container)
    return 'its first bytes are not a known video container (MP4, MOV, MKV/WebM, AVI, MPEG-TS/PS, FLV)';
  return undefined;
}
