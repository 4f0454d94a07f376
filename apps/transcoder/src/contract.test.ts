// SPDX-License-Identifier: MIT-0
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { manifestKey, renditionKey, TASK_ENV, taskEnvironment } from './contract.ts';

describe('taskEnvironment', () => {
  it('gives the container overrides that the program reads back unchanged', () => {
    const environment = taskEnvironment({
      inputBucket: 'videos',
      inputKey: 'uploads/clip.mov',
      inputEtag: '9b2cf535f27731c974343645a3985328',
      outputBucket: 'renditions',
      outputPrefix: 'out',
      renditions: [720, 480],
      x264Preset: 'veryfast',
      crf: 20,
      s3ForcePathStyle: true,
    });
    expect(environment).toEqual([
      { name: 'INPUT_BUCKET', value: 'videos' },
      { name: 'INPUT_KEY', value: 'uploads/clip.mov' },
      { name: 'INPUT_ETAG', value: '9b2cf535f27731c974343645a3985328' },
      { name: 'OUTPUT_BUCKET', value: 'renditions' },
      { name: 'OUTPUT_PREFIX', value: 'out' },
      { name: 'RENDITIONS', value: '720,480' },
      { name: 'X264_PRESET', value: 'veryfast' },
      { name: 'CRF', value: '20' },
      { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
    ]);
    const config = parseConfig(Object.fromEntries(environment.map((e) => [e.name, e.value])));
    expect(config).toMatchObject({
      INPUT_BUCKET: 'videos',
      INPUT_KEY: 'uploads/clip.mov',
      INPUT_ETAG: '9b2cf535f27731c974343645a3985328',
      OUTPUT_BUCKET: 'renditions',
      OUTPUT_PREFIX: 'out',
      RENDITIONS: [720, 480],
      X264_PRESET: 'veryfast',
      CRF: 20,
      S3_FORCE_PATH_STYLE: true,
    });
  });

  it('names the source ETag as INPUT_ETAG, and the output keys keep the whole source key', () => {
    expect(TASK_ENV.inputEtag).toBe('INPUT_ETAG');
    expect(renditionKey('processed', { name: '720p' }, 'uploads/clip.mov')).toBe('processed/720p/uploads/clip.mov.mp4');
    expect(manifestKey('processed', 'uploads/clip.mov')).toBe('processed/manifest/uploads/clip.mov.json');
  });

  it('leaves out what is not given, so the task definition or the defaults apply', () => {
    expect(taskEnvironment({ inputBucket: 'videos', inputKey: 'a.mp4' })).toEqual([
      { name: 'INPUT_BUCKET', value: 'videos' },
      { name: 'INPUT_KEY', value: 'a.mp4' },
    ]);
  });

  it('names only variables the configuration parses', () => {
    const all = Object.fromEntries(Object.values(TASK_ENV).map((name) => [name, '']));
    const parsed = parseConfig({
      ...all,
      INPUT_BUCKET: 'videos',
      INPUT_KEY: 'a.mp4',
      INPUT_ETAG: 'abc',
      OUTPUT_BUCKET: 'renditions',
      OUTPUT_PREFIX: 'p',
      RENDITIONS: '480',
      X264_PRESET: 'fast',
      CRF: '23',
    });
    for (const name of Object.values(TASK_ENV)) expect(parsed).toHaveProperty(name);
  });
});
