import { describe, expect, it } from 'vitest';
import { DeviceWindow, HotWindows } from './hot-windows.js';
import type { Reading } from './readings.js';

const reading = (ts: number, data: Record<string, unknown>): Reading => ({
  deviceId: 'w-0001',
  deviceType: 'watch',
  elderId: 'e-0001',
  ts,
  receivedAt: ts,
  clockSkewed: false,
  data: { ts, ...data },
});

const second = (_ts: number, hz: number, value: number) => ({
  hz,
  x: Array.from({ length: hz }, (_, k) => value + k),
  y: Array.from({ length: hz }, () => 1),
  z: Array.from({ length: hz }, () => 0),
});

describe('hot windows', () => {
  it('[WINDOW-BOUND] a device window holds 512 acceleration and 128 vital samples in 12,800 bytes, whatever arrives', () => {
    const windows = new HotWindows();
    expect(windows.bytesPerDevice).toBe(512 * 20 + 128 * 20);
    const w = windows.get('w-0001');
    expect(w).toBeUndefined();
    for (let s = 0; s < 100; s++)
      windows.add(reading(s * 1000, { accel: second(s * 1000, 50, s), heart_rate: 70 + (s % 5) }));
    const window = windows.get('w-0001')!;
    const typed = [
      window.accelT,
      window.accelX,
      window.accelY,
      window.accelZ,
      window.vitalT,
      window.heartRate,
      window.spo2,
      window.breathingRate,
    ];
    expect(typed.reduce((sum, a) => sum + a.byteLength, 0)).toBe(DeviceWindow.bytes(512, 128));
    expect(window.accel().t).toHaveLength(512);
  });

  it('[WINDOW-ORDER] samples come back oldest first with their times from `ts + k*1000/hz`', () => {
    const windows = new HotWindows({ accelSamples: 8, vitalSamples: 4 });
    windows.add(reading(1000, { accel: { hz: 4, x: [1, 2, 3, 4], y: [0, 0, 0, 0], z: [0, 0, 0, 0] } }));
    windows.add(reading(2000, { accel: { hz: 4, x: [5, 6, 7, 8], y: [0, 0, 0, 0], z: [0, 0, 0, 0] } }));
    windows.add(reading(3000, { accel: { hz: 4, x: [9, 10], y: [0, 0], z: [0, 0] } }));
    const accel = windows.get('w-0001')!.accel();
    expect([...accel.x]).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect([...accel.t]).toEqual([1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250]);
  });

  it('[WINDOW-VITALS] a reading without a value leaves NaN, not 0', () => {
    const windows = new HotWindows({ accelSamples: 4, vitalSamples: 4 });
    windows.add(reading(1000, { heart_rate: 72 }));
    windows.add(reading(2000, { spo2: 96 }));
    const vitals = windows.get('w-0001')!.vitals();
    expect([...vitals.heartRate]).toEqual([72, Number.NaN]);
    expect([...vitals.spo2]).toEqual([Number.NaN, 96]);
  });
});
