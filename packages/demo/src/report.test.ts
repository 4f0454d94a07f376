import { describe, expect, it } from 'vitest';
import { type DemoReport, escapeHtml, formatBytes, href, renderReport } from './report.ts';

const report = (flows: DemoReport['flows']): DemoReport => ({
  backend: 'ministack',
  description: 'ministack 1.5.33',
  finishedAt: '2026-12-03T17:00:00.000Z',
  flows,
});

describe('escapeHtml', () => {
  it('escapes markup and both quotes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
  it('turns numbers into text', () => {
    expect(escapeHtml(40)).toBe('40');
  });
});

describe('href', () => {
  it('links into the workload folder with each segment encoded', () => {
    expect(href('image-resize', 'a b/c&d.jpg')).toBe('image-resize/a%20b/c%26d.jpg');
    expect(href('x', '"><script>.png')).toBe('x/%22%3E%3Cscript%3E.png');
  });
});

it('formatBytes picks a unit', () => {
  expect([formatBytes(512), formatBytes(2048), formatBytes(3 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '3.00 MiB']);
});

describe('renderReport', () => {
  it('shows every block kind of a flow that ran', () => {
    const html = renderReport(
      report([
        {
          workload: 'image-resize',
          input: '12 MP JPEG upload',
          result: '1 renditions',
          seconds: 12.34,
          status: 'ok',
          blocks: [
            {
              kind: 'images',
              title: 'Renditions',
              items: [
                {
                  file: 'thumb.webp',
                  label: 'renditions/thumb.webp',
                  width: 320,
                  height: 240,
                  bytes: 2048,
                  output: true,
                },
              ],
            },
            {
              kind: 'videos',
              title: 'Renditions',
              items: [
                {
                  file: '720p.mp4',
                  poster: '720p.mp4.poster.jpg',
                  label: '720p',
                  width: 1280,
                  height: 720,
                  bitrate: 2_500_000,
                  seconds: 2,
                  bytes: 600_000,
                  output: true,
                },
              ],
            },
            {
              kind: 'predictions',
              title: 'classify',
              items: [{ file: 'a.png', label: 'a.png', predictions: [{ label: 'cat', score: 0.91 }] }],
            },
            { kind: 'figures', title: 'Orders', items: [{ key: 'stored', label: 'orders stored', value: 40 }] },
            {
              kind: 'path',
              title: 'States',
              executions: [{ label: 'uploads/clip.mp4', status: 'SUCCEEDED', states: ['Validate', 'Transcode'] }],
            },
            { kind: 'files', title: 'Written', files: ['orders.json'] },
          ],
        },
      ]),
    );
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(
      '<figure data-rendition><a href="image-resize/thumb.webp"><img src="image-resize/thumb.webp"',
    );
    expect(html).toContain('<span data-size>320 x 240</span>, <span data-bytes="2048">2.0 KiB</span>');
    expect(html).toContain('<img src="image-resize/720p.mp4.poster.jpg"');
    expect(html).toContain('<span data-bitrate="2500000">2500 kb/s</span>');
    expect(html).toContain('<span data-duration="2">2.00 s</span>');
    expect(html).toContain('<td>cat</td><td class="num" data-score="0.91">0.910</td>');
    expect(html).toContain('<dd data-figure="stored">40</dd>');
    expect(html).toContain(
      '<ol class="path" data-execution="uploads/clip.mp4"><li>Validate</li><li>Transcode</li></ol>',
    );
    expect(html).toContain('<a href="image-resize/orders.json">orders.json</a>');
    expect(html).toContain('<td data-seconds>12.3</td>');
    expect(html).toContain('<td data-seconds data-total>12.3</td>');
  });

  it('shows why a flow did not run instead of its blocks, and no time for a skipped one', () => {
    const html = renderReport(
      report([
        {
          workload: 'video-pipeline',
          input: 'clip',
          result: 'skipped: backend localstack lacks ecs',
          status: 'skipped',
          blocks: [{ kind: 'files', title: 'Written', files: ['never.json'] }],
        },
        {
          workload: 'transcoder',
          input: 'clip',
          result: 'FAILED: the task exited with 1',
          seconds: 3,
          status: 'failed',
          blocks: [],
        },
      ]),
    );
    expect(html).toContain('<section id="flow-video-pipeline" data-workload="video-pipeline" data-status="skipped">');
    expect(html).toContain('<p class="reason">skipped: backend localstack lacks ecs</p>');
    expect(html).not.toContain('never.json');
    expect(html).toContain('<p class="reason">FAILED: the task exited with 1</p>');
    expect(html).toMatch(/data-workload="video-pipeline">.*<td data-seconds>-<\/td>/);
  });

  it('escapes every value it is given', () => {
    const evil = `<img src=x onerror="alert(1)">`;
    const html = renderReport({
      ...report([
        {
          workload: evil,
          input: evil,
          result: evil,
          seconds: 1,
          status: 'ok',
          blocks: [
            { kind: 'figures', title: evil, items: [{ key: evil, label: evil, value: evil }] },
            { kind: 'path', title: evil, executions: [{ label: evil, status: evil, states: [evil] }] },
            {
              kind: 'predictions',
              title: evil,
              items: [{ file: evil, label: evil, predictions: [{ label: evil, score: 1 }] }],
            },
          ],
        },
      ]),
      backend: evil,
      description: evil,
    });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('onerror="');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    // The section anchor keeps only safe characters.
    expect(html).toContain('id="flow--img-src-x-onerror--alert-1---"');
  });
});
