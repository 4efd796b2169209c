import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FallMotionSimulator, type MotionKind } from '../../simulators/fall-motion.js';
import { FallBatch } from './batch.js';
import { FallDetector } from './detector.js';
import { FallFeatures } from './features.js';
import { FallStream } from './stream.js';

const MODEL = fileURLToPath(new URL('../models/fall.onnx', import.meta.url));

describe('FallDetector with the committed model', () => {
  let detector: FallDetector;
  let features: FallFeatures;

  beforeAll(async () => {
    detector = await FallDetector.open(MODEL);
    features = new FallFeatures(detector.window);
  });
  afterAll(async () => {
    await detector.close();
  });

  /** Streams one synthetic recording and returns how many alarms it raised. */
  async function alarms(kind: MotionKind, seed: number, rateHz: number): Promise<number> {
    const t = new FallMotionSimulator(seed).generate({ kind, rateHz, durationS: 20 });
    const stream = new FallStream({ spec: detector.window, features, key: `${kind}-${seed}` });
    const batch = new FallBatch(features.count);
    for (let i = 0; i < t.tMs.length; i++) stream.push(t.tMs[i]!, t.x[i]!, t.y[i]!, t.z[i]!, batch);
    stream.finish(batch);
    const scores = await detector.score(batch);
    return detector.decide(batch, scores, () => {});
  }

  it('[FALL-DETECT] synthetic falls at 25 and 50 Hz are detected', async () => {
    let detected = 0;
    for (let seed = 1; seed <= 10; seed++) {
      if ((await alarms(seed % 2 ? 'fall_forward' : 'fall_lateral', seed, seed % 2 ? 25 : 50)) > 0)
        detected++;
    }
    expect(detected).toBeGreaterThanOrEqual(9);
  });

  it('[FALL-DETECT] synthetic walks at 25 and 50 Hz raise no alarm', async () => {
    for (let seed = 1; seed <= 10; seed++) expect(await alarms('walking', seed, seed % 2 ? 25 : 50)).toBe(0);
  });

  it('[FALL-DETECT] scores a batch of windows from many streams in one run, one probability each', async () => {
    const batch = new FallBatch(features.count);
    for (let s = 0; s < 6; s++) {
      const t = new FallMotionSimulator(100 + s).generate({ kind: 'clapping', rateHz: 50 });
      const stream = new FallStream({ spec: detector.window, features, key: String(s) });
      for (let i = 0; i < t.tMs.length; i++) stream.push(t.tMs[i]!, t.x[i]!, t.y[i]!, t.z[i]!, batch);
    }
    expect(batch.size).toBeGreaterThan(6);
    const scores = await detector.score(batch);
    expect(scores.length).toBe(batch.size);
    expect(scores.every((p) => p >= 0 && p <= 1)).toBe(true);
  });

  it('[FALL-DECIDE] alarms of one stream within the refractory period count once', () => {
    const stream = new FallStream({ spec: detector.window, features, key: 'w1' });
    const batch = new FallBatch(features.count);
    // the later impacts are softer than the first: within the period they do not alarm again
    for (const [peakMs, peakG] of [
      [10_000, 5],
      [12_000, 4.5],
      [10_000 + detector.card.refractoryMs + 1, 4.5],
    ] as const)
      batch.reserve(stream, peakMs, peakG);
    const seen: number[] = [];
    const n = detector.decide(batch, new Float32Array([0.99, 0.99, 0.99]), (a) => seen.push(a.peakMs));
    expect(n).toBe(2);
    expect(seen).toEqual([10_000, 10_000 + detector.card.refractoryMs + 1]);
  });

  it('[FALL-DECIDE] within the refractory period, another impact at least as hard as the last alarm’s alarms again (the fall after the stumble); a softer one, or one within a second of the alarm, does not', () => {
    const stream = new FallStream({ spec: detector.window, features, key: 'w3' });
    const batch = new FallBatch(features.count);
    // a 2.5 g stumble alarms; 0.5 s later a 3 g peak of the same motion does not, nor a softer
    // 2.2 g wobble; the 2.5 g impact on the floor 1.6 s after the stumble does, and a 4 g one a
    // second later; the 4.5 g bounce 0.4 s after that does not
    for (const [peakMs, peakG] of [
      [10_000, 2.5],
      [10_500, 3],
      [11_000, 2.2],
      [11_600, 2.5],
      [12_600, 4],
      [13_000, 4.5],
    ] as const)
      batch.reserve(stream, peakMs, peakG);
    const seen: number[] = [];
    detector.decide(batch, new Float32Array(6).fill(0.99), (a) => seen.push(a.peakMs));
    expect(seen).toEqual([10_000, 11_600, 12_600]);
  });

  it('[FALL-DECIDE] a score under the threshold raises nothing', () => {
    const stream = new FallStream({ spec: detector.window, features, key: 'w2' });
    const batch = new FallBatch(features.count);
    batch.reserve(stream, 1000, 5);
    expect(detector.decide(batch, new Float32Array([detector.card.threshold - 0.01]), () => {})).toBe(0);
  });
});
