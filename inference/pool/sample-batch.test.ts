import { describe, expect, it } from 'vitest';
import { workerOf } from './device-hash.js';
import { SampleBatch } from './sample-batch.js';

const second = (hz: number, v: number) => ({
  x: Array.from({ length: hz }, () => v),
  y: Array.from({ length: hz }, () => v + 0.5),
  z: Array.from({ length: hz }, () => -v),
});

describe('SampleBatch', () => {
  it('[POOL-BATCH] readings of many devices go back to back into one set of arrays, timed from ts and hz', () => {
    const batch = new SampleBatch(16);
    const a = second(25, 1);
    const b = second(10, 2);
    batch.addReading('w-a', 1000, 25, a.x, a.y, a.z);
    batch.addReading('w-b', 5000, 10, b.x, b.y, b.z);
    const { message, transfer } = batch.take(7);
    expect(message).toMatchObject({
      type: 'samples',
      seq: 7,
      devices: ['w-a', 'w-b'],
      samples: 35,
      rebuild: false,
    });
    expect(Array.from(message.counts.subarray(0, 2))).toEqual([25, 10]);
    expect(message.t[24]).toBe(1000 + 24 * 40);
    expect(message.t[25]).toBe(5000);
    expect(message.x[25]).toBe(2);
    expect(message.y[34]).toBe(2.5);
    expect(transfer).toHaveLength(5); // typed arrays are transferred, not copied
    expect(batch.samples).toBe(0);
  });

  it('[POOL-BATCH] arrays a worker hands back are reused: no allocation per batch in steady state', () => {
    const batch = new SampleBatch(64);
    const s = second(25, 1);
    batch.addReading('w-a', 0, 25, s.x, s.y, s.z);
    const first = batch.take(1).message;
    batch.recycle({ counts: first.counts, t: first.t, x: first.x, y: first.y, z: first.z });
    batch.take(2); // the arrays in use go out; the recycled ones come in
    batch.addReading('w-a', 1000, 25, s.x, s.y, s.z);
    expect(batch.take(3).message.t).toBe(first.t);
  });
});

describe('workerOf', () => {
  it('[POOL-ASSIGN] a device always lands on the same worker, and devices spread over all workers', () => {
    expect(workerOf('w-0001', 4)).toBe(workerOf('w-0001', 4));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[workerOf(`w-${i}`, 4)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});
