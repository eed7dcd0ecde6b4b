/** Input checks shared by both backends: clips (N, C, L, H, W) matching the spec, known outputs. */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { NetSpec } from '../models/spec.js';

export function checkClips(spec: NetSpec, clips: Tensor): void {
  const [c, l, h, w] = spec.input;
  const s = clips.shape;
  if (s.length !== 5 || s[1] !== c || s[2] !== l || s[3] !== h || s[4] !== w) {
    const hint = s.length === 5 && s[2] !== l ? ` (clip length ${s[2]} frames, the net takes ${l})` : '';
    throw new ShapeError(
      `model ${spec.name}: input clips must be (N, ${c}, ${l}, ${h}, ${w}) = (batch, channels, frames, height, width), got ${formatShape(s)}${hint}`,
    );
  }
}

export function checkOutputs(spec: NetSpec, available: readonly string[], outputs: readonly string[]): void {
  if (outputs.length === 0) throw new ShapeError(`model ${spec.name}: no outputs requested (available: ${available.join(', ')})`);
  for (const o of outputs) {
    if (!available.includes(o)) throw new ShapeError(`model ${spec.name}: unknown output '${o}' (available: ${available.join(', ')})`);
  }
}
