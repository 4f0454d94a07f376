import { join } from 'node:path';
import { bundleLambda } from '@samples/build';

// dist/function.zip: the handler as one ESM file for nodejs24.x (handler index.handler).
const root = join(import.meta.dirname, '..');
const bundle = await bundleLambda({ entry: join(root, 'src', 'handler.ts'), outdir: join(root, 'dist') });
console.log(`${bundle.zipFile} (${bundle.bytes} bytes)`);
