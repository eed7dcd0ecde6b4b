/** Frame geometry for a net's crop size: C3D resizes to 128×171 and crops 112; other crops scale with it. */
import { C3D_GEOMETRY, type FrameGeometry } from './preprocess.js';

/**
 * 112 → 171×128 (Caffe's C3D). Other crop sizes (net-64: 56, net-256: 224) keep C3D's proportions:
 * height = crop·128/112, width = round(height·171/128) — our choice; the paper only gives the crop.
 */
export function geometryForCrop(crop: number): FrameGeometry {
  if (crop === C3D_GEOMETRY.cropSize) return C3D_GEOMETRY;
  const resizeHeight = Math.round((crop * 128) / 112);
  return { cropSize: crop, resizeHeight, resizeWidth: Math.round((resizeHeight * 171) / 128) };
}
