// Builds the browser page (src/web/) into dist/web/: esbuild bundles of the page and its two workers,
// index.html, onnxruntime-web's wasm build (only the SIMD+threads variant the page uses), and the demo
// net as .onnx (so the page works with no file). onnxruntime-web's WebGPU build (backend=webgpu, loaded
// only when asked for) runs on its asyncify wasm variant, shipped beside the plain one. Runs after `tsc` (it exports the demo net with the
// compiled library) as part of `npm run build`; `node tools/build-web.mjs` rebuilds just the page.
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import onnxProto from 'onnx-proto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const tmp = `${out}.tmp-${process.pid}`;
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
/**
 * onnxruntime-web's files the page loads at run time (ort.env.wasm.wasmPaths = the page's folder): the
 * wasm build's, and the asyncify variant that onnxruntime-web/webgpu (1.30: ort.webgpu.min.mjs) loads.
 */
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

/**
 * The fast kernels load their Node thread pool lazily when no pool is given; the page always gives
 * one (src/web/web-thread-pool.ts), so the Node adapter is replaced by a stub. Any other node: import
 * reaching the bundle is a build error: split the portable part of that module out instead.
 */
const browserOnly = {
  name: 'browser-only',
  setup(build) {
    build.onResolve({ filter: /\/pool-node\.js$/ }, () => ({ path: 'pool-node-stub', namespace: 'stub' }));
    build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export const createNodeThreadPool = () => { throw new Error('no Node thread pool in browsers'); }; export const defaultThreads = () => 1;",
      loader: 'js',
    }));
    build.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `${a.path} imported by ${a.importer}: the browser bundle must stay free of Node APIs` }] }));
  },
};

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
await esbuild.build({
  entryPoints: {
    'c3d-web': join(root, 'src/web/main.ts'),
    'inference-worker': join(root, 'src/web/inference-worker.ts'),
    'kernel-worker': join(root, 'src/web/kernel-worker.ts'),
  },
  outdir: tmp,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // onnxruntime-web's build that loads its wasm glue (.mjs) from wasmPaths instead of embedding it.
  conditions: ['onnxruntime-web-use-extern-wasm'],
  plugins: [browserOnly],
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/web/index.html'), join(tmp, 'index.html'));
for (const f of ORT_FILES) copyFileSync(join(ortDist, f), join(tmp, f));

// The demo net (assets/demo-net.safetensors, what `--weights demo` loads) as ONNX, with the metadata
// `c3d export-onnx` writes plus its class names (c3d.classes, as our safetensors checkpoints record them).
const lib = (p) => import(pathToFileURL(join(root, 'dist/src', p)).href);
const { loadWeights } = await lib('io/weights.js');
const { buildOnnxModel, metadataProps } = await lib('io/onnx-export.js');
const ws = await loadWeights('demo');
const model = buildOnnxModel(ws.specDef, ws.params);
const { ONNX_META } = await lib('io/onnx-meta.js');
const props = [...metadataProps(ws.specDef, ws.convention), { key: ONNX_META.classes, value: JSON.stringify(ws.classes) }];
const meta = onnxProto.onnx.ModelProto.encode(onnxProto.onnx.ModelProto.create({ metadataProps: props })).finish();
// Concatenated protobuf messages merge: the metadata fragment is appended after the model.
const demo = new Uint8Array(model.length + meta.length);
demo.set(model, 0);
demo.set(meta, model.length);
writeFileSync(join(tmp, 'demo-net.onnx'), demo);

rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.error(`build-web: dist/web (page, workers, onnxruntime-web wasm + webgpu, demo net ${demo.length} bytes)`);
