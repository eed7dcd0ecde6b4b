/**
 * The C3D page: pick (or link with query parameters) a video and a weights file, see Sports-1M (or the
 * net's own) labels per clip on a timeline under the video, download the descriptor and per-clip
 * features as .npy. Everything runs here: nothing is uploaded, nothing is fetched from other origins.
 */
import { conventionFromJSON, type InputConvention } from '../io/convention.js';
import { formatNpy, parseNpy } from '../io/npy-format.js';
import { Tensor } from '../tensor/tensor.js';
import { BGR_NO_MEAN, meanFromArray, resolvePixelConvention, type PixelConvention } from '../features/pixel-convention.js';
import { openVideoFrames } from './frames.js';
import { InferenceClient } from './inference-client.js';
import { parsePageParams, type PageParams } from './params.js';
import type { NetInfo, WebBackendName } from './protocol.js';
import { runClipsArray, runVideo, type C3dResult } from './run.js';

declare global {
  interface Window {
    c3dResult?: C3dResult | { error: string };
  }
}

/** The demo net (tools/build-web.mjs copies it next to the page, and its .onnx export), used when no weights are given. */
const DEMO_WEIGHTS = 'demo-net.onnx';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  video: $<HTMLVideoElement>('video'),
  videoFile: $<HTMLInputElement>('video-file'),
  weightsFile: $<HTMLInputElement>('weights-file'),
  clipsFile: $<HTMLInputElement>('clips-file'),
  layer: $<HTMLInputElement>('layer'),
  backend: $<HTMLSelectElement>('backend'),
  run: $<HTMLButtonElement>('run'),
  progress: $<HTMLProgressElement>('progress'),
  status: $('status'),
  error: $('error'),
  note: $('note'),
  net: $('net'),
  timeline: $('timeline'),
  summary: $('summary'),
  downloads: $('downloads'),
};

/** A source of bytes: a URL (query parameter) or a file the user picked. */
type Source = { url: string } | { file: File };
const sourceName = (s: Source) => ('url' in s ? s.url : s.file.name);

async function readBytes(s: Source): Promise<ArrayBuffer> {
  if ('file' in s) return s.file.arrayBuffer();
  const r = await fetch(s.url);
  if (!r.ok) throw new Error(`${s.url}: HTTP ${r.status} ${r.statusText}`);
  return r.arrayBuffer();
}

let client: InferenceClient | undefined;
let loaded: { key: string; info: NetInfo } | undefined;

async function loadNet(weights: Source, backend: WebBackendName, threads: number | undefined): Promise<NetInfo> {
  const name = sourceName(weights);
  const key = `${'url' in weights ? weights.url : `${weights.file.name}:${weights.file.size}:${weights.file.lastModified}`}|${backend}|${threads}`;
  if (client && loaded?.key === key) return loaded.info;
  client ??= new InferenceClient();
  setStatus(`loading ${name} (${backend})…`);
  try {
    const info = await client.load(await readBytes(weights), name, backend, threads);
    loaded = { key, info };
    return info;
  } catch (e) {
    // A worker that failed to load starts afresh next time (the page stays usable).
    client.terminate();
    client = undefined;
    loaded = undefined;
    throw e;
  }
}

/** The net's convention with the page's overrides; a mean cube comes from a fetched .npy. */
async function pixelConvention(info: NetInfo, p: PageParams): Promise<PixelConvention> {
  const cube = info.meanCube && new Tensor(info.meanCube.shape, info.meanCube.data);
  const own: InputConvention = info.conventionJson ? conventionFromJSON(info.conventionJson, cube) : { channels: BGR_NO_MEAN.channels, mean: 'none' };
  const c: InputConvention = { ...own, channels: p.channels ?? own.channels, mean: p.mean ?? own.mean };
  let fetched: PixelConvention['mean'] | undefined;
  if (c.mean !== 'none' && c.mean.kind === 'cube' && c.mean.file && !c.mean.data) {
    const file = c.mean.file;
    if (!/\.npy$/i.test(file)) throw new Error(`mean=${file}: the page reads mean cubes as .npy URLs (3×L×H×W BGR)`);
    const a = parseNpy(new Uint8Array(await readBytes({ url: file })), file);
    fetched = meanFromArray(a.shape, a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), file);
  }
  return resolvePixelConvention(c, () => fetched!);
}

function setStatus(text: string): void {
  ui.status.textContent = text;
}

function showError(message: string): void {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function download(name: string, shape: number[], data: Float32Array): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([formatNpy({ shape, data }) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  a.download = name;
  a.textContent = `${name} (${shape.join('×')})`;
  return a;
}

function showResult(r: C3dResult, fps: number | undefined): void {
  ui.summary.textContent =
    `${r.clips} clip${r.clips === 1 ? '' : 's'} · ${r.layer} descriptor of ${r.descriptor.length} values · ` +
    `${r.clipsPerSecond.toFixed(2)} clips/s (${r.backend}, ${r.threads} thread${r.threads === 1 ? '' : 's'})`;
  ui.downloads.replaceChildren(
    download(`descriptor-${r.layer}.npy`, [r.descriptor.length], Float32Array.from(r.descriptor)),
    document.createTextNode(' '),
    download(`clips-${r.layer}.npy`, [r.clips, r.descriptor.length], Float32Array.from(r.perClip.flat())),
  );
  ui.timeline.replaceChildren();
  for (const c of r.labels ?? []) {
    const el = document.createElement('button');
    el.className = 'clip';
    el.title = c.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`).join('\n');
    const time = fps ? ` @ ${(c.startFrame / fps).toFixed(2)} s` : '';
    el.innerHTML = `<b>clip ${c.clip + 1}${time}</b>`;
    const list = document.createElement('ol');
    for (const t of c.top) {
      const li = document.createElement('li');
      li.textContent = `${t.label} ${(100 * t.probability).toFixed(1)}%`;
      list.append(li);
    }
    el.append(list);
    if (fps) el.onclick = () => (ui.video.currentTime = (c.startFrame + 0.5) / fps);
    ui.timeline.append(el);
  }
}

interface RunInput {
  video?: Source;
  clips?: Source;
  weights: Source;
}

async function run(input: RunInput, p: PageParams): Promise<void> {
  window.c3dResult = undefined;
  ui.error.hidden = true;
  ui.note.hidden = true;
  ui.run.disabled = true;
  ui.progress.value = 0;
  try {
    const info = await loadNet(input.weights, p.backend, p.threads);
    ui.net.textContent = `${info.name}: clips ${info.input.join('×')}, outputs ${info.outputs.join(', ')}`;
    ui.note.textContent = info.note ?? '';
    ui.note.hidden = !info.note;
    const onProgress = (done: number, total: number, what: string) => {
      ui.progress.value = total > 0 ? done / total : 0;
      setStatus(what);
    };
    const opts = { layer: p.layer, batch: p.batch, onProgress };
    let result: C3dResult;
    let fps: number | undefined;
    if (input.clips) {
      const name = sourceName(input.clips);
      result = await runClipsArray(client!, info, parseNpy(new Uint8Array(await readBytes(input.clips)), name), name, opts);
    } else if (input.video) {
      const name = sourceName(input.video);
      const convention = await pixelConvention(info, p);
      const src = 'url' in input.video ? input.video.url : URL.createObjectURL(input.video.file);
      setStatus(`opening ${name}…`);
      const frames = await openVideoFrames(ui.video, src, name, p.fps);
      fps = frames.fps;
      result = await runVideo(client!, info, frames, convention, opts);
    } else throw new Error('pick a video (or a .npy of clips) first');
    ui.progress.value = 1;
    setStatus('done');
    showResult(result, fps);
    window.c3dResult = result;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    showError(message);
    setStatus('failed');
    window.c3dResult = { error: message };
  } finally {
    ui.run.disabled = false;
  }
}

function main(): void {
  let p: PageParams;
  try {
    p = parsePageParams(location.search);
  } catch (e) {
    showError((e as Error).message);
    window.c3dResult = { error: (e as Error).message };
    return;
  }
  ui.layer.value = p.layer;
  ui.backend.value = p.backend;
  ui.run.onclick = () => {
    const f = (i: HTMLInputElement): Source | undefined => (i.files?.[0] ? { file: i.files[0] } : undefined);
    const params = { ...p, layer: ui.layer.value.trim() || 'fc6', backend: ui.backend.value as WebBackendName };
    const video = f(ui.videoFile);
    // Picked files win over the query's URLs; a picked video replaces the query's clips.
    const clips = f(ui.clipsFile) ?? (p.clips && !video ? { url: p.clips } : undefined);
    void run({ video: video ?? (p.video ? { url: p.video } : undefined), clips, weights: f(ui.weightsFile) ?? { url: p.weights ?? DEMO_WEIGHTS } }, params);
  };
  if (!crossOriginIsolated) setStatus('not cross-origin isolated: one thread only (c3d serve sends the COOP/COEP headers)');
  if (p.video || p.clips) {
    void run({ video: p.video ? { url: p.video } : undefined, clips: p.clips ? { url: p.clips } : undefined, weights: { url: p.weights ?? DEMO_WEIGHTS } }, p);
  }
}

main();
