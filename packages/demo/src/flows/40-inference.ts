import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployStack, startModelContainer } from '@samples/inference-proxy/testing';
import { flatCanvas, lineArt } from '@samples/test-support/images';
import type { Flow } from '../flow.ts';

/**
 * inference-proxy: the model server image runs as a container standing in for the SageMaker
 * endpoint, the proxy's own CDK stack is deployed into the emulator in front of it (an HTTP API,
 * or the stack's REST API where the backend has no HTTP APIs), and two generated images are
 * classified through it.
 */
export const flow: Flow = {
  workload: 'inference-proxy',
  input: '2 generated images (PNG, JPEG)',
  needs: ['cloudformation', 'lambda', 'apigateway'],
  async run(ctx) {
    ctx.progress('building and starting the model server container');
    const model = await startModelContainer();
    try {
      const api = ctx.emulator.services.includes('apigatewayv2') ? 'http' : 'rest';
      ctx.progress(`model server at ${model.url}; deploying the proxy's stack (${api.toUpperCase()} API)`);
      // Functions may run in containers: the model's port as reached from the Docker bridge.
      const gateway = new URL(ctx.emulator.containerEndpoint).hostname;
      const proxy = await deployStack({
        stackName: `DemoInference${Date.now().toString(36)}`,
        api,
        env: ctx.emulator.env,
        emulatorEndpoint: ctx.emulator.endpoint,
        modelUrl: `http://${gateway}:${model.container.getMappedPort(8080)}`,
      });
      try {
        const tops: string[] = [];
        const items = [];
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
          const { predictions } = JSON.parse(text) as { predictions: { label: string; score: number }[] };
          const top = predictions[0]!;
          items.push({ file: name, label: name, predictions });
          ctx.progress(`${name}: ${text}`);
          tops.push(`${name} -> ${top.label} ${top.score.toFixed(2)}`);
        }
        return {
          summary: tops.join(', '),
          blocks: [{ kind: 'predictions', title: 'POST /classify', items }],
        };
      } finally {
        await proxy.remove();
      }
    } finally {
      await model.stop();
    }
  },
};
