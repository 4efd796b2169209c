import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { FallBatch } from './batch.js';
import { FEATURE_VERSION } from './features.js';
import { FallModelCard, type FallWindowSpec } from './spec.js';

export interface FallAlarm {
  key: string;
  /** Time of the impact peak, on the stream's clock (ms). */
  peakMs: number;
  peakG: number;
  score: number;
}

export interface FallDetectorDeps {
  session: ort.InferenceSession;
  card: FallModelCard;
}

/**
 * Scores batches of candidate windows with the fall model and applies the decision rule:
 * a candidate (already past the stream's peak pre-filter) raises an alarm when its score is
 * at least the card's threshold and its stream has not alarmed within the refractory period.
 *
 * `session.run` computes on the calling thread, so the hub calls this from worker threads;
 * the class holds no global state and nothing specific to Node's main thread.
 */
export class FallDetector {
  readonly card: FallModelCard;
  private readonly session: ort.InferenceSession;

  constructor(deps: FallDetectorDeps) {
    this.session = deps.session;
    this.card = deps.card;
  }

  /**
   * Opens `model.onnx` with its sidecar `model.json` (threshold, window, feature version).
   * `cardPath` and `threshold` let cross-validation fold models share the final model's card.
   */
  static async open(
    modelPath: string,
    options: { cardPath?: string; threshold?: number } = {},
  ): Promise<FallDetector> {
    const cardPath = options.cardPath ?? modelPath.replace(/\.onnx$/, '.json');
    const parsed = FallModelCard.parse(JSON.parse(await readFile(cardPath, 'utf8')));
    const card = options.threshold === undefined ? parsed : { ...parsed, threshold: options.threshold };
    if (card.featureVersion !== FEATURE_VERSION) {
      throw new Error(`${cardPath}: features ${card.featureVersion}, code computes ${FEATURE_VERSION}`);
    }
    // one thread each: ORT's spinning pool fights the event loop (see gotchas)
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new FallDetector({ session, card });
  }

  /** The window spec the model was trained with; streams must be built with it. */
  get window(): FallWindowSpec {
    return this.card.window;
  }

  /** Fall probability for every row of the batch (a new array; empty batch → empty). */
  async score(batch: FallBatch): Promise<Float32Array> {
    if (batch.size === 0) return new Float32Array(0);
    if (batch.featureCount !== this.card.featureCount) {
      throw new Error(`batch has ${batch.featureCount} features, model wants ${this.card.featureCount}`);
    }
    const input = new ort.Tensor('float32', batch.rows(), [batch.size, batch.featureCount]);
    const out = await this.session.run({ [this.card.inputName]: input });
    const t = out[this.card.outputName];
    if (t === undefined) throw new Error(`model has no output ${this.card.outputName}`);
    return t.data as Float32Array;
  }

  /** Applies threshold and refractory period in batch order; calls `onAlarm` per alarm. */
  decide(batch: FallBatch, scores: Float32Array, onAlarm: (alarm: FallAlarm) => void): number {
    let alarms = 0;
    for (let i = 0; i < batch.size; i++) {
      const score = scores[i]!;
      if (score < this.card.threshold) continue;
      const owner = batch.owners[i];
      if (owner === undefined || !owner.admitAlarm(batch.peakMs[i]!, batch.peakG[i]!, this.card.refractoryMs))
        continue;
      alarms++;
      onAlarm({ key: owner.key, peakMs: batch.peakMs[i]!, peakG: batch.peakG[i]!, score });
    }
    return alarms;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
