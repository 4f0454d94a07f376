import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { bundleLambda } from './index.ts';

describe('bundleLambda', () => {
  it('zips the module with its source map as a file beside it, not inline, and without the sources', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const entry = join(dir, 'handler.ts');
    writeFileSync(entry, 'export const handler = async (e: { n: number }) => ({ twice: e.n * 2 });\n');
    const bundle = await bundleLambda({ entry, outdir: join(dir, 'out') });
    const files = unzipSync(bundle.zip);
    expect(Object.keys(files).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = new TextDecoder().decode(files['index.mjs']);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(code).not.toContain('sourceMappingURL=data:');
    const map = JSON.parse(new TextDecoder().decode(files['index.mjs.map'])) as {
      sources: string[];
      sourcesContent?: unknown;
    };
    expect(map.sources.some((s) => s.endsWith('handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  });

  it('gives the same zip bytes for the same code, so an unchanged function is not redeployed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const entry = join(dir, 'handler.ts');
    writeFileSync(entry, 'export const handler = async () => ({ ok: true });\n');
    const first = await bundleLambda({ entry, outdir: join(dir, 'a') });
    // Zip entries carry a modification time: a clock in them changes the CDK asset hash.
    await new Promise((r) => setTimeout(r, 2100));
    const second = await bundleLambda({ entry, outdir: join(dir, 'b') });
    expect(Buffer.from(second.zip).equals(Buffer.from(first.zip))).toBe(true);
  });
});
