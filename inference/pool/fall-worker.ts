/**
 * A fall worker: owns one onnxruntime session and the FallStreams of the devices the pool
 * assigns to it. Batches are handled one after the other: samples go through each device's
 * stream, the candidate windows they complete are scored in one model run, and the alarms
 * go back with the batch's arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FallBatch } from '../fall/batch.js';
import { FallDetector } from '../fall/detector.js';
import { FallFeatures } from '../fall/features.js';
import { FallStream } from '../fall/stream.js';
import type { DoneMessage, FallWorkerData, SamplesMessage, ToWorker, WorkerAlarm } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('fall-worker runs as a worker thread');
const { modelPath } = workerData as FallWorkerData;

const detector = await FallDetector.open(modelPath);
const features = new FallFeatures(detector.window);
const streams = new Map<string, FallStream>();
const candidates = new FallBatch(features.count, 256);
let queue: Promise<void> = Promise.resolve();

function stream(deviceId: string, fresh: boolean): FallStream {
  let s = streams.get(deviceId);
  if (s === undefined || fresh) {
    s = new FallStream({ spec: detector.window, features, key: deviceId });
    streams.set(deviceId, s);
  }
  return s;
}

async function handle(m: SamplesMessage): Promise<void> {
  const { devices, counts, t, x, y, z } = m;
  let o = 0;
  for (let d = 0; d < devices.length; d++) {
    const s = stream(devices[d]!, m.rebuild);
    const [lastMs, lastG] = [m.lastAlarms?.[2 * d], m.lastAlarms?.[2 * d + 1]];
    if (lastMs !== undefined && lastG !== undefined && Number.isFinite(lastMs))
      s.admitAlarm(lastMs, lastG, 0);
    const end = o + counts[d]!;
    for (let i = o; i < end; i++) s.push(t[i]!, x[i]!, y[i]!, z[i]!, candidates);
    o = end;
  }
  const alarms: WorkerAlarm[] = [];
  const windows = candidates.size;
  let inferenceMs = 0;
  if (windows > 0) {
    const started = performance.now();
    const scores = await detector.score(candidates);
    inferenceMs = performance.now() - started;
    detector.decide(candidates, scores, (a) =>
      alarms.push({ deviceId: a.key, peakMs: a.peakMs, peakG: a.peakG, score: a.score }),
    );
    candidates.clear();
  }
  const done: DoneMessage = {
    type: 'done',
    seq: m.seq,
    alarms,
    windows,
    runs: windows > 0 ? 1 : 0,
    inferenceMs,
    arrays: { counts, t, x, y, z },
  };
  port!.postMessage(done, [counts.buffer, t.buffer, x.buffer, y.buffer, z.buffer] as ArrayBuffer[]);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'crash') throw new Error('fall worker crash requested (test hook)');
  queue = queue.then(() => handle(m));
});
port.postMessage({ type: 'ready' });
