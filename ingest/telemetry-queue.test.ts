import { describe, expect, it } from 'vitest';
import type { DeviceIdentity } from './readings.js';
import { type TelemetryOrigin, TelemetryQueue } from './telemetry-queue.js';

const device: DeviceIdentity = { id: 'w-1', type: 'watch', elderId: null };
const origin: TelemetryOrigin = { settled: () => undefined };

describe('telemetry queue', () => {
  it('[TELEMETRY-QUEUE] hands messages back first in first out, whole, across the end of its ring; full is full', () => {
    const queue = new TelemetryQueue({ messages: 8, bytes: 64 });
    const out: string[] = [];
    const take = () => queue.shift((d, payload) => out.push(`${d.id}:${payload.toString()}`));
    const push = (n: number, text: string) => {
      const read = Buffer.from(`xx${text}yy`); // the payload sits inside a larger read
      return queue.push({ ...device, id: String(n) }, read, 2, 2 + text.length, origin);
    };
    for (let round = 0; round < 20; round++) {
      // 3 × 20 bytes fit in 64, a fourth does not until the oldest is gone
      expect([push(1, 'a'.repeat(20)), push(2, 'b'.repeat(20)), push(3, 'c'.repeat(20))]).toEqual([
        true,
        true,
        true,
      ]);
      expect(push(4, 'd'.repeat(20))).toBe(false);
      take();
      expect(push(4, `d${round}`.padEnd(20, 'd'))).toBe(true);
      take();
      take();
      take();
      expect(queue.length).toBe(0);
    }
    expect(out.slice(-4)).toEqual([
      `1:${'a'.repeat(20)}`,
      `2:${'b'.repeat(20)}`,
      `3:${'c'.repeat(20)}`,
      `4:${'d19'.padEnd(20, 'd')}`,
    ]);
    const small = new TelemetryQueue({ messages: 2, bytes: 1024 });
    expect([
      small.push(device, Buffer.from('{}'), 0, 2, origin),
      small.push(device, Buffer.from('{}'), 0, 2, origin),
    ]).toEqual([true, true]);
    expect(small.push(device, Buffer.from('{}'), 0, 2, origin)).toBe(false);
  });
});
