/**
 * Projections (deconvnet, guided, gradient) and Grad-CAM tubes of a small random C3D equal an
 * independent PyTorch implementation of the same rules (tools/fixtures/viz.py, float64) within 1e-4,
 * on both kernel paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { referenceKernels } from '../../src/kernels/reference/index.js';
import { createFastKernels } from '../../src/kernels/fast/index.js';
import { getModel, type ModelOptions } from '../../src/models/index.js';
import { Net, syntheticClips, syntheticParams } from '../../src/nn/index.js';
import { blobShape, projectActivation, strongestSite, type ProjectionMethod } from '../../src/viz/deconv.js';
import { gradCam } from '../../src/viz/gradcam.js';
import { expectClose, type Summary } from '../models/golden.js';

interface Fixture {
  model: string;
  options: ModelOptions;
  seed: number;
  projections: { layer: string; map: number; site: [number, number, number]; value: number; rule: ProjectionMethod; projection: Summary }[];
  gradcam: { layer: string; class: number; score: number; coarse: Summary; map: Summary }[];
}

const fx = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/viz/projections.json', import.meta.url)), 'utf8')) as Fixture;

for (const kernelsName of ['reference', 'fast'] as const) {
  test(`projections and Grad-CAM of a small C3D match PyTorch (${kernelsName} kernels)`, async () => {
    const spec = getModel(fx.model, fx.options);
    const fast = kernelsName === 'fast' ? await createFastKernels({ threads: 2 }) : null;
    try {
      const net = new Net(spec, syntheticParams(spec, fx.seed), fast ?? referenceKernels);
      const x = syntheticClips(spec, 1, fx.seed);
      const layers = [...new Set(fx.projections.map((p) => p.layer))];
      for (const layer of layers) {
        const { blobs, tape } = await net.forward(x, { outputs: [layer], keepTape: true });
        const cases = fx.projections.filter((p) => p.layer === layer);
        // The unit PyTorch chose (the most active map's strongest unit) is ours too.
        const { site, value } = strongestSite(blobs.get(layer)!.data, blobShape(spec, layer), cases[0]!.map);
        assert.deepEqual([site.t, site.y, site.x], cases[0]!.site, `${layer}: strongest unit`);
        assert.ok(Math.abs(value - cases[0]!.value) <= 1e-4 * Math.abs(cases[0]!.value), `${layer}: value ${value} vs ${cases[0]!.value}`);
        for (const c of cases) {
          const p = await projectActivation(net, tape!, layer, site, c.value, c.rule);
          expectClose(p, c.projection, `${layer} ${c.rule}`);
        }
      }
      for (const g of fx.gradcam) {
        const r = await gradCam(net, x, g.layer);
        assert.equal(r.classIndex, g.class, `${g.layer}: class`);
        assert.ok(Math.abs(r.score - g.score) <= 1e-4 * Math.abs(g.score), `${g.layer}: score ${r.score} vs ${g.score}`);
        expectClose(r.coarse, g.coarse, `Grad-CAM ${g.layer} coarse`);
        expectClose(r.map, g.map, `Grad-CAM ${g.layer} tube`);
      }
      // The rules really differ on this net (deeper than one ReLU), so the comparison above means something.
      const sums = Object.fromEntries(fx.projections.filter((p) => p.layer === 'conv5b').map((p) => [p.rule, p.projection.abs_sum]));
      assert.ok(sums.deconvnet !== sums.guided && sums.guided !== sums.gradient);
    } finally {
      await fast?.dispose();
    }
  });
}
