/** Synthetic videos whose class is only their motion (`c3d synth`): classes, scenes, rendering, encoding, data sets. */
export {
  SYNTH_CLASSES, SYNTH_CLASS_SETS, DIRECTION_JITTER_DEG, synthClass, reversalPartner, resolveSynthClasses, type SynthClass, type Motion,
} from './classes.js';
export { sampleScene, reverseScene, videoSeed, classKey, checkGeometry, type Scene, type SceneGeometry, type ObjectTrack } from './scene.js';
export { renderFrame, renderVideo, frameBuffer, silhouetteScene } from './render.js';
export { encodeMp4, mp4PixelFormat, type EncodeOptions } from './encode.js';
export {
  generateSynthDataset, synthSplit, synthVideoName, SYNTH_DEFAULTS, SYNTH_GENERATOR_VERSION,
  type SynthDatasetOptions, type SynthProgress, type SynthSummary,
} from './dataset.js';
export { randomSprite, SPRITE_TEXELS, SHAPE_KINDS, type Sprite, type ShapeKind } from './sprite.js';
export { randomTexture, randomPalette, TEXTURE_KINDS, type FloatImage, type TextureKind } from './texture.js';
