import { AlignedWindow } from '../inference/fall/aligned-window.js';
import { CAP_G } from '../inference/fall/features.js';
import type { FallWindowSpec } from '../inference/fall/spec.js';

/** Channels per sample, in this order in each row (channel-major: all of one, then the next). */
export const CHANNEL_NAMES = ['mag', 'cosPost', 'cosPre'] as const;

/**
 * The impact-aligned window itself, for a model that learns its own features (a 1-D CNN):
 * per sample its magnitude (capped at `CAP_G`, as in the hand features) and the cosine of its
 * acceleration vector to the window's resting orientation after the impact (1.5 s to the end)
 * and to the one before (4–2.5 s before). Cosines between vectors of the same window do not depend on how the
 * watch sits on the wrist, as in the hand features.
 */
export class WindowChannels extends AlignedWindow {
  readonly count: number;

  constructor(spec: FallWindowSpec) {
    super(spec);
    this.count = this.length * CHANNEL_NAMES.length;
  }

  protected compute(out: Float32Array, o: number): void {
    const { wx, wy, wz, length: n } = this;
    const r = this.spec.rateHz;
    const p = this.spec.preSamples;
    const post = this.meanUnit(p + Math.round(1.5 * r), n);
    const pre = this.meanUnit(Math.max(0, p - Math.round(4 * r)), Math.max(1, p - Math.round(2.5 * r)));
    for (let i = 0; i < n; i++) {
      const m = Math.sqrt(wx[i]! * wx[i]! + wy[i]! * wy[i]! + wz[i]! * wz[i]!);
      out[o + i] = Math.min(CAP_G, m);
      const inv = m > 1e-6 ? 1 / m : 0;
      out[o + n + i] = (wx[i]! * post[0] + wy[i]! * post[1] + wz[i]! * post[2]) * inv;
      out[o + 2 * n + i] = (wx[i]! * pre[0] + wy[i]! * pre[1] + wz[i]! * pre[2]) * inv;
    }
  }

  /** Unit vector of the mean acceleration over [a, b); zero when it has none. */
  private meanUnit(a: number, b: number): [number, number, number] {
    let x = 0;
    let y = 0;
    let z = 0;
    for (let i = a; i < b; i++) {
      x += this.wx[i]!;
      y += this.wy[i]!;
      z += this.wz[i]!;
    }
    const m = Math.sqrt(x * x + y * y + z * z);
    return m > 1e-9 ? [x / m, y / m, z / m] : [0, 0, 0];
  }
}
