export { FallBatch } from './batch.js';
export { type FallAlarm, FallDetector, type FallDetectorDeps } from './detector.js';
export { FallFeatures, FEATURE_NAMES, FEATURE_VERSION } from './features.js';
export { type ResampledSink, resampleRecording, StreamResampler } from './resample.js';
export { SampleRing } from './ring.js';
export { FALL_WINDOW, FallModelCard, type FallWindowSpec, windowSamples } from './spec.js';
export { FallStream, type FallStreamDeps } from './stream.js';
