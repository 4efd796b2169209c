import { describe, expect, it } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { clockSkewLimitMs, ReadingValidator } from './readings.js';

const catalog = await loadDeviceCatalog();
const hubTime = 1_764_392_000_000;
const validator = new ReadingValidator({ catalog, maxPayloadBytes: 65_536, now: () => hubTime });
const watch = { id: 'w-0001', type: 'watch', elderId: 'e-0001' };
const payload = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('readings', () => {
  it('[READING-TIME] a reading carries the device time and the hub receive time', () => {
    const result = validator.telemetry(watch, payload({ ts: hubTime - 2000, heart_rate: 70 }));
    expect(result).toMatchObject({
      ok: true,
      reading: { ts: hubTime - 2000, receivedAt: hubTime, clockSkewed: false, elderId: 'e-0001' },
    });
  });

  it('[READING-SKEW] a device clock more than 5 minutes off is flagged and the hub time used', () => {
    const result = validator.telemetry(
      watch,
      payload({ ts: hubTime - clockSkewLimitMs - 1, heart_rate: 70 }),
    );
    expect(result).toMatchObject({ ok: true, reading: { ts: hubTime, clockSkewed: true } });
    const ahead = validator.event(watch, payload({ ts: hubTime + 3_600_000, event_id: '1', type: 'sos' }));
    expect(ahead).toMatchObject({ ok: true, reading: { ts: hubTime, clockSkewed: true, eventType: 'sos' } });
  });

  it('[READING-INVALID] a reading that breaks its schema says which field, and a missing value stays missing', () => {
    expect(validator.telemetry(watch, payload({ ts: hubTime, spo2: 140 }))).toMatchObject({
      ok: false,
      error: 'invalid',
      detail: [expect.objectContaining({ path: 'spo2' })],
    });
    const ok = validator.telemetry(watch, payload({ ts: hubTime, heart_rate: 70 }));
    expect(ok.ok && 'spo2' in ok.reading.data).toBe(false);
    expect(validator.telemetry(watch, payload([1, 2]))).toMatchObject({ ok: false, error: 'not_an_object' });
  });

  it('[READING-ACCEL] acceleration axes must be equally long and at most 5 s of samples', () => {
    const axis = (n: number) => Array.from({ length: n }, () => 0.1);
    expect(
      validator.telemetry(
        watch,
        payload({ ts: hubTime, accel: { hz: 25, x: axis(25), y: axis(25), z: axis(24) } }),
      ).ok,
    ).toBe(false);
    expect(
      validator.telemetry(
        watch,
        payload({ ts: hubTime, accel: { hz: 25, x: axis(126), y: axis(126), z: axis(126) } }),
      ).ok,
    ).toBe(false);
    expect(
      validator.telemetry(
        watch,
        payload({ ts: hubTime, accel: { hz: 25, x: axis(125), y: axis(125), z: axis(125) } }),
      ).ok,
    ).toBe(true);
  });
});
