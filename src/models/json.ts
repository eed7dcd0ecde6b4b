/** Specs as JSON: what `c3d models --json` prints and what `--spec FILE` reads back. */
import { readFileSync } from 'node:fs';
import type { NetSpec } from './spec.js';
import { analyzeSpec, SpecError } from './shapes.js';

/** Pretty JSON of a spec (layers one per line so diffs stay readable). */
export function specToJson(spec: NetSpec): string {
  const layers = spec.layers.map((l) => '    ' + JSON.stringify(l)).join(',\n');
  return `{\n  "name": ${JSON.stringify(spec.name)},\n  "input": ${JSON.stringify(spec.input)},\n  "layers": [\n${layers}\n  ],\n  "outputs": ${JSON.stringify(spec.outputs)}\n}\n`;
}

/** Parses and validates a JSON spec; `where` names the source in errors. */
export function parseNetSpec(text: string, where = '<spec>'): NetSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  try {
    analyzeSpec(value as NetSpec);
  } catch (err) {
    throw new SpecError(`${where}: ${(err as Error).message}`);
  }
  return value as NetSpec;
}

export function readNetSpec(path: string): NetSpec {
  return parseNetSpec(readFileSync(path, 'utf8'), path);
}
