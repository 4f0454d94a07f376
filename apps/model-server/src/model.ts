// SPDX-License-Identifier: MIT-0
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load, type NSFWJS } from 'nsfwjs';

/** One class and its probability, as the model server returns it. */
export interface Prediction {
  label: string;
  score: number;
}

/** The input size of the bundled MobileNetV2 (224 x 224 RGB). */
export const INPUT_SIZE = 224;

/**
 * The classifier: nsfwjs's MobileNetV2 (five content classes: Drawing, Hentai, Neutral,
 * Porn, Sexy), whose weights ship inside the npm package, run by TensorFlow.js on the
 * CPU (WebAssembly backend, whose .wasm files also ship in npm). Nothing is downloaded at load time.
 */
export interface Classifier {
  labels: readonly string[];
  classify(rgb: Uint8Array, width: number, height: number): Promise<Prediction[]>;
}

/** TensorFlow.js backends this server can use: WebAssembly (SIMD, the default) or plain JS. */
export type Backend = 'wasm' | 'cpu';

export async function loadClassifier(
  backend: Backend = 'wasm',
  wasmDir = process.env.TFJS_WASM_DIR,
): Promise<Classifier> {
  // Bundled builds keep the .wasm files in a folder of their own; from source they are found in node_modules.
  if (wasmDir) setWasmPaths(wasmDir.endsWith('/') ? wasmDir : `${wasmDir}/`);
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to start`);
  await tf.ready();
  const model: NSFWJS = await load('MobileNetV2', { size: INPUT_SIZE });
  const labels = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
  return {
    labels,
    async classify(rgb, width, height) {
      const input = tf.tensor3d(rgb, [height, width, 3], 'int32');
      try {
        const out: { className: string; probability: number }[] = await model.classify(input, labels.length);
        return out.map((p) => ({ label: p.className, score: p.probability }));
      } finally {
        input.dispose();
      }
    },
  };
}
