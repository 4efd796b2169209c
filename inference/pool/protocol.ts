/**
 * Messages between the inference pool (main thread) and its fall workers. Samples cross the
 * thread boundary in batches: one Float64Array of times and Float32Arrays of x/y/z for every
 * device of the batch back to back, with a small index (device ids, sample counts). The
 * typed arrays are transferred, not copied, and the worker hands them back for reuse.
 */

/** A fall the model found in a watch's acceleration. */
export interface FallModelAlarm {
  deviceId: string;
  /** The elder the watch belongs to, as the readings said (null: not assigned). */
  elderId: string | null;
  /** Time of the impact peak, on the device's clock (ms). */
  peakMs: number;
  peakG: number;
  /** Fall probability from the model (at least the model card's threshold). */
  score: number;
}

/** The arrays of one batch; `counts[i]` samples of `devices[i]` follow those of `devices[i-1]`. */
export interface SampleArrays {
  counts: Uint32Array;
  t: Float64Array;
  x: Float32Array;
  y: Float32Array;
  z: Float32Array;
}

export interface SamplesMessage extends SampleArrays {
  type: 'samples';
  seq: number;
  devices: string[];
  /** Number of samples used in the arrays (they may be longer). */
  samples: number;
  /**
   * A rebuild after a crash: the devices' streams start afresh from these samples (the hot
   * windows), and `lastAlarms[2i]`, `lastAlarms[2i + 1]` (the impact time and peak g of the device's
   * last alarm, NaN if none) seed the refractory period so that a fall
   * already reported by the lost worker is not reported again.
   */
  rebuild: boolean;
  lastAlarms: Float64Array | null;
}

/** Test hook: the worker throws, as a worker with a bug would. */
export interface CrashMessage {
  type: 'crash';
}

export type ToWorker = SamplesMessage | CrashMessage;

export interface WorkerAlarm {
  deviceId: string;
  peakMs: number;
  peakG: number;
  score: number;
}

export interface DoneMessage {
  type: 'done';
  seq: number;
  alarms: WorkerAlarm[];
  /** Candidate windows scored and model runs for this batch, and the time spent in them. */
  windows: number;
  runs: number;
  inferenceMs: number;
  /** The batch's arrays, handed back for reuse. */
  arrays: SampleArrays;
}

export type FromWorker = { type: 'ready' } | DoneMessage;

export interface FallWorkerData {
  modelPath: string;
}
