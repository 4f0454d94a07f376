import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployProxy, startModelContainer } from '@samples/inference-proxy/testing';
import { flatCanvas, lineArt } from '@samples/model-server/fixtures';
import type { Flow } from '../flow.ts';

/**
 * inference-proxy: the model server image runs as a container, the proxy is deployed into
 * the emulator behind an HTTP API, and two generated images are classified through it.
 */
export const flow: Flow = {
  workload: 'inference-proxy',
  input: '2 generated images (PNG, JPEG)',
  needs: ['lambda', 'apigatewayv2'],
  async run(ctx) {
    ctx.progress('building and starting the model server container');
    const model = await startModelContainer();
    try {
      ctx.progress(`model server at ${model.url}; deploying the proxy behind API Gateway`);
      const proxy = await deployProxy({
        name: `demo-inference-${Date.now().toString(36)}`,
        emulatorEndpoint: ctx.emulator.endpoint,
        region: ctx.emulator.region,
        modelUrl: model.url,
      });
      try {
        const tops: string[] = [];
        for (const [name, image, type] of [
          ['canvas.png', await flatCanvas('png'), 'image/png'],
          ['line-art.jpg', await lineArt('jpeg'), 'image/jpeg'],
        ] as const) {
          writeFileSync(join(ctx.outDir, name), image);
          const res = await fetch(proxy.url('/classify'), {
            method: 'POST',
            body: image,
            headers: { 'content-type': type },
          });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${text}`);
          writeFileSync(join(ctx.outDir, `${name}.json`), text);
          const top = (JSON.parse(text) as { predictions: { label: string; score: number }[] }).predictions[0]!;
          ctx.progress(`${name}: ${text}`);
          tops.push(`${name} -> ${top.label} ${top.score.toFixed(2)}`);
        }
        return tops.join(', ');
      } finally {
        await proxy.remove();
      }
    } finally {
      await model.stop();
    }
  },
};
