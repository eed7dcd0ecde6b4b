/** Flags shared by `c3d convert` and `c3d inspect` (and any command that loads weights). */
import { UsageError } from '../command.js';
import { loadOptionsFromText, type LoadOptions, type WeightSet } from '../../io/index.js';
import { getModel, modelNames, readNetSpec, type NetSpec } from '../../models/index.js';

export const WEIGHTS_FLAGS_USAGE = `  --map M              key renaming: auto (default), caffe, port, mmaction, none,
                       old=new[,old2=new2] on key prefixes (old= drops), or FILE.json
  --model NAME         the built-in model the weights are for (default: the file's own — c3d-sports1m
                       for Caffe files, c3d-pytorch-port for the port and MMAction2, the recorded one
                       for .safetensors); fc8's size is taken from the file
  --channels bgr|rgb   override the input channel order the weights expect
  --mean FILE|none|b,g,r  override the mean: a .binaryproto cube, nothing, or B,G,R values`;

export interface WeightsFlags {
  load: LoadOptions;
  model?: string;
  specFile?: string;
}

/** Turns parsed flag values into load options; a --mean FILE is read now so its cube can be embedded. */
export function weightsFlags(v: { map?: string; model?: string; spec?: string; channels?: string; mean?: string }): WeightsFlags {
  let load: LoadOptions;
  try {
    load = loadOptionsFromText(v);
  } catch (e) {
    if (e instanceof Error && e.name === 'WeightsError') throw e;
    throw new UsageError((e as Error).message);
  }
  if (v.model && v.spec) throw new UsageError('give --model or --spec, not both');
  return { load, model: v.model, specFile: v.spec };
}

/**
 * The spec to check `ws` against: --spec FILE, --model NAME (fc8 size from the weights), the spec
 * recorded in the file, or the built-in model the format implies; undefined for --model none.
 * `name` is the built-in model's registry name (what getModel takes) when the spec is one.
 */
export function resolveSpec(flags: WeightsFlags, ws: WeightSet): { spec: NetSpec; name?: string } | undefined {
  if (flags.model === 'none') return undefined;
  if (flags.specFile) return { spec: readNetSpec(flags.specFile) };
  const name = flags.model ?? (ws.specDef ? undefined : ws.spec);
  if (name === undefined) return ws.specDef ? { spec: ws.specDef, name: ws.spec } : undefined;
  if (!modelNames.includes(name)) throw new UsageError(`unknown model '${name}' (known: ${modelNames.join(', ')}, none)`);
  return { spec: getModel(name, { classes: ws.params.get('fc8.weight')?.shape[0] }), name };
}

export const WEIGHTS_OPTIONS = {
  map: { type: 'string' },
  model: { type: 'string' },
  channels: { type: 'string' },
  mean: { type: 'string' },
} as const;
