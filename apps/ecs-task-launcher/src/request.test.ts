// SPDX-License-Identifier: MIT-0
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { clientTokenFor, InvalidEventError, launchToken, parseEvent, runTaskInput, skipReason } from './request.ts';

const env = {
  CLUSTER: 'media',
  TASK_DEFINITION: 'transcoder:3',
  SUBNETS: 'subnet-a, subnet-b',
  LAUNCH_TABLE: 'launches',
};

/** An S3 notification record with every field AWS sends (Parser's S3Schema requires them). */
const s3Event = (eventName: string, key: string, eTag = 'abc', size = 10, sequencer = '0055AED6DCD90281E5') => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-12-02T10:00:00.000Z',
      eventName,
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '198.51.100.7' },
      responseElements: { 'x-amz-request-id': 'D82B88E5F771F645', 'x-amz-id-2': 'example' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'launch',
        bucket: { name: 'uploads', ownerIdentity: { principalId: 'A3I5XTEXAMAI3E' }, arn: 'arn:aws:s3:::uploads' },
        object: { key, eTag, size, sequencer },
      },
    },
  ],
});

describe('parseEvent', () => {
  it('reads every created object of an S3 notification, keys decoded', () => {
    const e = s3Event('ObjectCreated:Put', 'in/my+clip+%281%29.mp4');
    expect(parseEvent(e)).toEqual({
      objects: [
        { bucket: 'uploads', key: 'in/my clip (1).mp4', etag: 'abc', size: 10, sequencer: '0055AED6DCD90281E5' },
      ],
      ignored: [],
    });
  });

  it('leaves deletions alone', () => {
    expect(parseEvent(s3Event('ObjectRemoved:Delete', 'a.mp4'))).toEqual({
      objects: [],
      ignored: [{ eventName: 'ObjectRemoved:Delete', key: 'a.mp4' }],
    });
  });

  it('reads an EventBridge "Object Created" event (key not encoded)', () => {
    const e = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '111122223333',
      time: '2026-12-02T10:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'a b.mov', etag: 'e1', size: 5, sequencer: '617f08299329d189' },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: '111122223333',
        reason: 'PutObject',
      },
    };
    expect(parseEvent(e).objects).toEqual([
      { bucket: 'uploads', key: 'a b.mov', etag: 'e1', size: 5, sequencer: '617f08299329d189' },
    ]);
  });

  it('reads events of uploads made over IPv6 (S3 dual-stack endpoints)', () => {
    const e = s3Event('ObjectCreated:Put', 'a.mp4');
    (e.Records[0] as (typeof e.Records)[0]).requestParameters.sourceIPAddress = '2001:db8::8a2e:370:7334';
    expect(parseEvent(e).objects).toHaveLength(1);
    const eb = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '111122223333',
      time: '2026-12-02T10:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'a.mov', etag: 'e1', size: 5, sequencer: '617f08299329d189' },
        'request-id': 'N4N7GDK58NMKJ12R',
        requester: '111122223333',
        'source-ip-address': '2001:db8::1',
        reason: 'PutObject',
      },
    };
    expect(parseEvent(eb).objects).toHaveLength(1);
  });

  it('takes a direct { bucket, key } call', () => {
    expect(parseEvent({ bucket: 'uploads', key: 'x.mp4' }).objects).toEqual([{ bucket: 'uploads', key: 'x.mp4' }]);
  });

  it('refuses an S3 notification or EventBridge event that lacks what AWS sends, naming the field', () => {
    const e = s3Event('ObjectCreated:Put', 'a.mp4');
    const { requestParameters: _, ...record } = e.Records[0] as (typeof e.Records)[0];
    expect(() => parseEvent({ Records: [record] })).toThrow(
      /^not a valid S3 event notification: Records\.0\.requestParameters: /,
    );
    expect(() => parseEvent({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toThrow(
      /^not a valid S3 EventBridge event: .*detail\.bucket/,
    );
  });

  it('rejects anything else with what it expected', () => {
    expect(() => parseEvent({ bucket: 'uploads' })).toThrow(InvalidEventError);
    expect(() => parseEvent({ bucket: 'uploads' })).toThrow(/\{ bucket, key \}.*key/);
  });
});

describe('skipReason', () => {
  it('skips folder markers and empty objects only', () => {
    expect(skipReason({ bucket: 'b', key: 'in/' })).toMatch(/folder/);
    expect(skipReason({ bucket: 'b', key: 'a.mp4', size: 0 })).toMatch(/empty/);
    expect(skipReason({ bucket: 'b', key: 'a.mp4', size: 1 })).toBeUndefined();
    expect(skipReason({ bucket: 'b', key: 'a.mp4' })).toBeUndefined();
  });
});

describe('launchToken', () => {
  it('is 64 hex characters, stable per upload, and changes with the ETag', () => {
    const t = launchToken({ bucket: 'b', key: 'k.mp4', etag: '"e1"' });
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(launchToken({ bucket: 'b', key: 'k.mp4', etag: 'e1' })).toBe(t);
    expect(launchToken({ bucket: 'b', key: 'k.mp4', etag: 'e2' })).not.toBe(t);
    expect(launchToken({ bucket: 'b2', key: 'k.mp4', etag: 'e1' })).not.toBe(t);
  });

  // S3 event notifications are delivered at least once, and each PUT or DELETE of a key carries a
  // `sequencer` (greater for the later event of that key): "Event message structure",
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
  // and `detail.object.sequencer` in EventBridge's "Object Created",
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html. The same bytes uploaded
  // again keep their ETag (single-part, SSE-S3: the MD5 of the data), so only the sequencer
  // tells the new PUT from a re-delivery of the old one.
  it('changes for the same bytes uploaded again (another sequencer), and is the same for a re-delivery', () => {
    const object = { bucket: 'b', key: 'k.mp4', etag: 'e1' };
    const first = launchToken({ ...object, sequencer: '0055AED6DCD90281E5' });
    const again = launchToken({ ...object, sequencer: '0055AED6DCD90281F0' });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toMatch(/^[0-9a-f]{64}$/);
    expect(launchToken({ ...object, etag: '"e1"', sequencer: '0055AED6DCD90281E5' })).toBe(first);
    expect(again).not.toBe(first);
    expect(first).not.toBe(launchToken(object));
  });

  it('without a sequencer (a direct call) is what it always was: the hash of bucket, key and ETag', () => {
    const expected = createHash('sha256').update('b\nk.mp4\ne1').digest('hex');
    expect(launchToken({ bucket: 'b', key: 'k.mp4', etag: 'e1' })).toBe(expected);
    expect(launchToken({ bucket: 'b', key: 'k.mp4', etag: 'e1', sequencer: undefined })).toBe(expected);
  });
});

describe('clientTokenFor', () => {
  it("is the upload's token for the first attempt and a new 64-hex token for each later one", () => {
    const token = launchToken({ bucket: 'b', key: 'k.mp4', etag: 'e1' });
    expect(clientTokenFor(token, 1)).toBe(token);
    const second = clientTokenFor(token, 2);
    expect(second).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([token, second, clientTokenFor(token, 3)]).size).toBe(3);
    expect(clientTokenFor(token, 2)).toBe(second);
  });
});

describe('runTaskInput', () => {
  const object = { bucket: 'uploads', key: 'in/clip.mp4' };

  it('starts one Fargate task in the configured subnets, the object in the container overrides', () => {
    const input = runTaskInput(parseConfig(env), object, 'tok');
    expect(input).toMatchObject({
      cluster: 'media',
      taskDefinition: 'transcoder:3',
      count: 1,
      launchType: 'FARGATE',
      clientToken: 'tok',
      startedBy: 'tok',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], assignPublicIp: 'DISABLED' } },
      overrides: {
        containerOverrides: [
          {
            name: 'transcoder',
            environment: [
              { name: 'INPUT_BUCKET', value: 'uploads' },
              { name: 'INPUT_KEY', value: 'in/clip.mp4' },
            ],
          },
        ],
      },
    });
    expect(input.capacityProviderStrategy).toBeUndefined();
    expect(input.networkConfiguration?.awsvpcConfiguration?.securityGroups).toBeUndefined();
  });

  it("sends the attempt's client token and keeps the upload's token as startedBy", () => {
    const input = runTaskInput(parseConfig(env), object, 'upload-token', 'attempt-2-token');
    expect(input).toMatchObject({ clientToken: 'attempt-2-token', startedBy: 'upload-token' });
  });

  it('uses a FARGATE_SPOT capacity provider strategy instead of a launch type when asked', () => {
    const input = runTaskInput(
      parseConfig({ ...env, CAPACITY_PROVIDER: 'FARGATE_SPOT', SECURITY_GROUPS: 'sg-1' }),
      object,
      't',
    );
    expect(input.launchType).toBeUndefined();
    expect(input.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(input.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual(['sg-1']);
  });

  // The names the transcoder reads (its src/contract.ts; test/transcoder-contract.test.ts
  // checks them against the transcoder's own taskEnvironment).
  it("speaks the transcoder's environment contract, the upload's ETag included", () => {
    const config = parseConfig({ ...env, OUTPUT_BUCKET: 'out', OUTPUT_PREFIX: 'videos', RENDITIONS: '720,480' });
    const input = runTaskInput(config, { ...object, etag: '9b2cf535f27731c974343645a3985328' }, 't');
    expect(input.overrides?.containerOverrides?.[0]?.environment).toEqual([
      { name: 'INPUT_BUCKET', value: 'uploads' },
      { name: 'INPUT_KEY', value: 'in/clip.mp4' },
      { name: 'INPUT_ETAG', value: '9b2cf535f27731c974343645a3985328' },
      { name: 'OUTPUT_BUCKET', value: 'out' },
      { name: 'OUTPUT_PREFIX', value: 'videos' },
      { name: 'RENDITIONS', value: '720,480' },
    ]);
  });

  it('passes the ETag without quotes, as S3 event records carry it', () => {
    const input = runTaskInput(parseConfig(env), { ...object, etag: '"abc"' }, 't');
    expect(input.overrides?.containerOverrides?.[0]?.environment).toContainEqual({ name: 'INPUT_ETAG', value: 'abc' });
  });
});

describe('parseConfig', () => {
  it('names what is missing', () => {
    expect(() => parseConfig({ CLUSTER: 'c', TASK_DEFINITION: 't', LAUNCH_TABLE: 'l' })).toThrow(
      /SUBNETS: at least one subnet/,
    );
    expect(() => parseConfig({ CLUSTER: 'c', TASK_DEFINITION: 't', SUBNETS: 's' })).toThrow(/LAUNCH_TABLE/);
    expect(parseConfig(env).CLAIM_LEASE_SECONDS).toBe(60);
    expect(() => parseConfig({ ...env, CAPACITY_PROVIDER: 'EC2' })).toThrow(/CAPACITY_PROVIDER/);
  });
});
