/**
 * The page's query parameters (for automation and sharing links): `?video=URL&weights=URL&layer=fc6`
 * loads and runs at once; `?clips=URL` runs preprocessed clips instead of a video; `mean=` and
 * `channels=` override the weights' input convention as `c3d extract --mean/--channels` do.
 */
import { parseChannels, parseMean, type ChannelOrder, type MeanSpec } from '../io/convention.js';
import { WEB_BACKENDS, type WebBackendName } from './protocol.js';

export interface PageParams {
  video?: string;
  clips?: string;
  /** .onnx or .safetensors URL (default: the demo net shipped with the page). */
  weights?: string;
  layer: string;
  channels?: ChannelOrder;
  mean?: MeanSpec;
  backend: WebBackendName;
  threads?: number;
  /** The video's frame rate when known (else measured by the page). */
  fps?: number;
  batch: number;
}

function positive(name: string, s: string | null, integer: boolean): number | undefined {
  if (s === null) return undefined;
  const v = Number(s);
  if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isSafeInteger(v)))) throw new Error(`${name}= must be a positive ${integer ? 'integer' : 'number'}, got '${s}'`);
  return v;
}

/** The CLI parsers' messages name their flag (`--mean`); here it is a query parameter (`mean=`). */
function asParam<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new Error((e as Error).message.replace(/^--(\w+)/, '$1='));
  }
}

/** Parses `search` (location.search); throws a one-line error naming the bad parameter. */
export function parsePageParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const backend = (q.get('backend') ?? 'onnxruntime') as WebBackendName;
  if (!WEB_BACKENDS.includes(backend)) throw new Error(`backend= must be ${WEB_BACKENDS.join(', ')}, got '${backend}'`);
  const channels = q.get('channels');
  const mean = q.get('mean');
  return {
    video: q.get('video') ?? undefined,
    clips: q.get('clips') ?? undefined,
    weights: q.get('weights') ?? undefined,
    layer: q.get('layer') ?? 'fc6',
    channels: channels === null ? undefined : asParam(() => parseChannels(channels)),
    mean: mean === null ? undefined : asParam(() => parseMean(mean)),
    backend,
    threads: positive('threads', q.get('threads'), true),
    fps: positive('fps', q.get('fps'), false),
    batch: positive('batch', q.get('batch'), true) ?? 2,
  };
}
