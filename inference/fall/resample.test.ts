import { describe, expect, it } from 'vitest';
import { type ResampledSink, resampleRecording, StreamResampler } from './resample.js';

function collect(): ResampledSink & { xs: number[]; restarts: number } {
  const s = {
    xs: [] as number[],
    restarts: 0,
    accept(x: number) {
      s.xs.push(x);
    },
    restart() {
      s.restarts++;
    },
  };
  return s;
}

describe('StreamResampler', () => {
  it('[FALL-RESAMPLE] a 50 Hz stream resampled to 20 Hz keeps its impact peak', () => {
    const n = 250;
    const t = Float64Array.from({ length: n }, (_, i) => i * 20);
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const z = new Float32Array(n).fill(1);
    z[123] = 6.5; // one 20 ms spike between two 50 ms ticks
    const out = resampleRecording(t, x, y, z, 20);
    expect(Math.max(...out.z)).toBeCloseTo(6.5, 5);
  });

  it('[FALL-RESAMPLE] a 50 Hz stream resampled to 20 Hz keeps a free-fall dip', () => {
    const n = 250;
    const t = Float64Array.from({ length: n }, (_, i) => i * 20);
    const z = new Float32Array(n).fill(1);
    z[77] = 0.1;
    const out = resampleRecording(t, new Float32Array(n), new Float32Array(n), z, 20);
    expect(Math.min(...out.z)).toBeCloseTo(0.1, 5);
  });

  it('[FALL-RESAMPLE] a 10 Hz stream is interpolated linearly onto the 20 Hz grid', () => {
    const n = 20;
    const t = Float64Array.from({ length: n }, (_, i) => i * 100);
    const x = Float32Array.from({ length: n }, (_, i) => i);
    const out = resampleRecording(t, x, new Float32Array(n), new Float32Array(n), 20);
    expect(out.x.length).toBe(39);
    for (let k = 0; k < out.x.length; k++) expect(out.x[k]).toBeCloseTo(k / 2, 5);
  });

  it('[FALL-RESAMPLE] an irregular ~20 Hz stream gives one output per 50 ms', () => {
    const t: number[] = [];
    let now = 0;
    for (let i = 0; i < 400; i++) {
      now += 30 + ((i * 37) % 41); // 30–70 ms steps
      t.push(now);
    }
    const n = t.length;
    const out = resampleRecording(
      t,
      new Float32Array(n),
      new Float32Array(n),
      new Float32Array(n).fill(1),
      20,
    );
    const expected = (t[n - 1]! - t[0]!) / 50;
    expect(Math.abs(out.z.length - expected)).toBeLessThanOrEqual(2);
    expect(out.z.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
  });

  it('[FALL-RESAMPLE] out-of-order samples are dropped and a long gap restarts the grid', () => {
    const sink = collect();
    const r = new StreamResampler(20, sink, 5000);
    r.push(0, 1, 0, 0);
    r.push(50, 2, 0, 0);
    r.push(40, 99, 0, 0); // late: ignored
    r.push(100, 3, 0, 0);
    r.push(10_000, 4, 0, 0); // 9.9 s gap
    r.push(10_050, 5, 0, 0);
    r.finish();
    expect(sink.xs).not.toContain(99);
    expect(sink.restarts).toBe(1);
    expect(sink.xs).toEqual([1, 2, 3, 4, 5]);
  });

  it('[FALL-RESAMPLE-CLOCK-BACK] one reading minutes ahead (a clock set back after it) does not blind the grid until the clock catches up', () => {
    const sink = collect();
    const r = new StreamResampler(20, sink, 5000);
    r.push(0, 1, 0, 0);
    r.push(50, 2, 0, 0);
    r.push(240_000, 3, 0, 0); // 4 min ahead: within the hub's trusted skew
    r.push(100, 4, 0, 0); // the clock as it really is
    r.push(150, 5, 0, 0);
    r.push(200, 6, 0, 0);
    r.push(250, 7, 0, 0);
    r.finish();
    expect(sink.xs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sink.restarts).toBe(2); // the jump ahead, then the step back
  });
});
