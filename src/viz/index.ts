/** What C3D learned: deconvnet / guided / gradient projections of feature maps, Grad-CAM tubes, and their PNG/GIF renderings. */
export type { ReluRule, BackwardOptions, BackwardResult } from '../nn/net.js';
export { projectActivation, projectableBlobs, blobShape, strongestSite, PROJECTION_METHODS, type ProjectionMethod, type ActivationSite } from './deconv.js';
export { gradCam, resizeTrilinear, type GradCamResult } from './gradcam.js';
export { TopActivations, type KeptActivation } from './top-activations.js';
export { visualize, type VisualizeOptions, type VisualizeInput, type VisualizeMethod, type MapSelection, type VisualizationRow, type VisualizationResult } from './visualize.js';
export { writeVisualization, type WriteVisualizationOptions, type WrittenVisualization } from './visualize-output.js';
export { clipToRgbFrames, projectionToRgbFrames, displayScale, heatOverlay, viridis, downscale, type RgbImage, type DisplayNormalization } from './clip-frames.js';
export { stripPng, stripCanvas, stackedGif, type StripOptions } from './strips.js';
