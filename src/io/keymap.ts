/**
 * Renaming checkpoint keys to our parameter names (`<layer>.weight` / `<layer>.bias`, layers conv1a…
 * conv5b, fc6…fc8 for C3D; conv1…conv5, fc6…fc8 for the search nets).
 *
 * Presets: `caffe` (release names fc6-1/fc7-1/fc8-1), `port` (the PyTorch port: conv1, conv2),
 * `mmaction` (backbone.conv1a.conv.weight, backbone.fc6, cls_head.fc_cls), `none`. A user map is
 * `old=new` pairs on key prefixes (`old=` drops the keys), given inline or as a JSON object file.
 */
import { readFileSync } from 'node:fs';
import { WeightsError } from './errors.js';

export interface KeyRule {
  from: RegExp;
  to: string;
  /** Stop after this rule matches (user rules are final; preset rules chain, e.g. strip `module.` then rename). */
  final?: boolean;
}

export type KeyMapPreset = 'caffe' | 'port' | 'mmaction' | 'none';

const DATA_PARALLEL: KeyRule = { from: /^module\./, to: '' };

export const KEYMAP_PRESETS: Record<KeyMapPreset, KeyRule[]> = {
  caffe: [{ from: /^(fc[678])-1\./, to: '$1.' }],
  port: [DATA_PARALLEL, { from: /^conv1\./, to: 'conv1a.' }, { from: /^conv2\./, to: 'conv2a.' }],
  mmaction: [
    { from: /^backbone\.(conv\d[ab])\.conv\./, to: '$1.' },
    { from: /^backbone\.(fc[67])\./, to: '$1.' },
    { from: /^cls_head\.fc_cls\./, to: 'fc8.' },
  ],
  none: [],
};

/** Picks the preset that a key set evidently follows. */
export function detectPreset(keys: readonly string[]): KeyMapPreset {
  const has = (k: string): boolean => keys.includes(k);
  if (keys.some((k) => k.startsWith('backbone.') || k.startsWith('cls_head.'))) return 'mmaction';
  if (keys.some((k) => /^fc[678]-1\./.test(k))) return 'caffe';
  const strip = keys.map((k) => k.replace(/^module\./, ''));
  // The port names conv1/conv2 but conv3a…: the search nets (conv1…conv5) have no conv3a.
  if (strip.includes('conv1.weight') && strip.includes('conv3a.weight')) return 'port';
  if (has('conv1.weight') || has('conv1a.weight')) return 'none';
  return strip.length !== keys.length ? 'port' : 'none';
}

/** Parses `--map`: a preset name, a JSON file `{"old": "new"}`, or inline `old=new,old2=new2`. */
export function parseKeyMap(spec: string): KeyMapPreset | KeyRule[] {
  if (spec in KEYMAP_PRESETS) return spec as KeyMapPreset;
  let pairs: [string, string][];
  if (spec.endsWith('.json')) {
    let obj: unknown;
    try {
      obj = JSON.parse(readFileSync(spec, 'utf8'));
    } catch (e) {
      throw new WeightsError(spec, `cannot read the key map: ${(e as Error).message}`);
    }
    if (!obj || typeof obj !== 'object' || !Object.values(obj).every((v) => typeof v === 'string' || v === null)) {
      throw new WeightsError(spec, 'key map must be a JSON object of "old": "new" strings');
    }
    pairs = Object.entries(obj as Record<string, string | null>).map(([k, v]) => [k, v ?? '']);
  } else {
    pairs = spec.split(',').map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new Error(`--map: '${p}' is not old=new (or a preset: ${Object.keys(KEYMAP_PRESETS).join(', ')})`);
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    });
  }
  return pairs.map(([from, to]) => ({ from: new RegExp(`^${escape(from)}(?=\\.|$)`), to, final: true }));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Renames `keys` with `rules`, applied in order to the running name (a `final` rule that matches ends
 * the chain; a user rule `old=` whose prefix match leaves nothing of the layer name drops the key).
 * Returns new name → original name. Two keys landing on one name is an error.
 */
export function mapKeys(file: string, keys: Iterable<string>, rules: KeyRule[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of keys) {
    let name: string | undefined = key;
    for (const r of rules) {
      if (!r.from.test(name)) continue;
      const replaced: string = name.replace(r.from, r.to);
      // An explicit drop: `old=` maps the prefix to nothing, leaving only ".weight"/"" behind.
      name = r.final && r.to === '' && (replaced === '' || replaced.startsWith('.')) ? undefined : replaced;
      if (name === undefined || r.final) break;
    }
    if (name === undefined) continue;
    const prev = out.get(name);
    if (prev !== undefined) throw new WeightsError(file, `keys ${prev} and ${key} both map to ${name}`, name.replace(/\.[^.]*$/, ''));
    out.set(name, key);
  }
  return out;
}

/**
 * The rules `--map` means for a file whose keys follow `detected`: 'auto' = the detected preset, a
 * preset name = that preset, user pairs = those first (final), then the detected preset.
 */
export function resolveKeyRules(map: string | KeyRule[] | undefined, detected: KeyMapPreset): KeyRule[] {
  if (Array.isArray(map)) return map;
  if (map === undefined || map === 'auto') return KEYMAP_PRESETS[detected];
  const parsed = parseKeyMap(map);
  return typeof parsed === 'string' ? KEYMAP_PRESETS[parsed] : [...parsed, ...KEYMAP_PRESETS[detected]];
}
