/** Video features: decoding, clips, preprocessing, the batched extraction engine and batch jobs. */
export { extract, extractClips, type ExtractOptions, type FramesInput, type ClipResult } from './extract.js';
export { runPipeline, type VideoSource, type FrameStream, type PipelineOptions, type PipelineEvents, type PipelineSummary, type VideoFeatures } from './pipeline.js';
export { startDecoders } from './decoder-pool.js';
export { runExtractJob, type ExtractJobOptions, type JobSummary, type JobHooks } from './job.js';
export { expandInputs, NoVideosError, VIDEO_EXTENSIONS, type VideoInput } from './inputs.js';
export { checkDecode, TRUNCATED_RATIO, type DecodeReport, type DecodeVerdict } from './decode-check.js';
export type { VideoStatus, ManifestEntry } from './manifest.js';
export { clipStarts, ClipAssembler, PAPER_CLIPS, type ClipOptions } from './clips.js';
export { FramePreparer, clipToInput, centreCrop, C3D_GEOMETRY, type FrameGeometry } from './preprocess.js';
export { resolveConvention, loadMeanFile, BGR_NO_MEAN, type PixelConvention } from './convention.js';
export { videoDescriptor, segmentFeatures, l2NormalizeInPlace, type ClipFeatures } from './aggregate.js';
export { outputPath, shapeOutput, writeVideoOutputs, type OutputFormat, type OutputMode, type OutputArray } from './outputs.js';
export { topK, type LabelledScore } from './classify.js';
export { SPORTS1M_LABELS } from './sports1m-labels.js';
export { loadNet, type LoadedNet, type NetOptions } from './net.js';
export { openVideo, readAllFrames, type VideoReader, type VideoInfo, type DecodeOptions, type DecodeErrors } from '../video/decode.js';
export { LinearResizer, resizeLinear, type Image8 } from '../video/resize.js';
