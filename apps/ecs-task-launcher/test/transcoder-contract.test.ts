import { taskEnvironment } from '@samples/transcoder/contract';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { runTaskInput } from '../src/request.ts';

// Cross-app: src/ is copied alone, so its unit test spells out the names the transcoder reads;
// this keeps them the transcoder's own.
describe("the launcher's container overrides", () => {
  it("are the transcoder's environment contract, the upload's ETag included", () => {
    const env = { CLUSTER: 'media', TASK_DEFINITION: 'transcoder:3', SUBNETS: 'subnet-a', LAUNCH_TABLE: 'launches' };
    const config = parseConfig({ ...env, OUTPUT_BUCKET: 'out', OUTPUT_PREFIX: 'videos', RENDITIONS: '720,480' });
    const input = runTaskInput(config, { bucket: 'uploads', key: 'in/clip.mp4', etag: '"9b2cf535"' }, 't');
    expect(input.overrides?.containerOverrides?.[0]?.environment).toEqual(
      taskEnvironment({
        inputBucket: 'uploads',
        inputKey: 'in/clip.mp4',
        inputEtag: '9b2cf535',
        outputBucket: 'out',
        outputPrefix: 'videos',
        renditions: [720, 480],
      }),
    );
  });
});
