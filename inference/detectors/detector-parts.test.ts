import { describe, expect, it } from 'vitest';
import { distanceMeters, fenceSide } from './geofence.js';
import { HeartRateBaseline } from './heart-rate-baseline.js';
import { inLocalHours, localDay } from './local-hours.js';
import { wristMoved } from './motion.js';
import { Streak } from './streak.js';

const shenzhen = (hour: number, minute = 0) => Date.UTC(2026, 10, 30, hour - 8, minute);
const utc8 = 8 * 60;

describe('detector parts', () => {
  it('[GEOFENCE] haversine distance: 0.01° of latitude is about 1.11 km; Futian to Luohu about 6 km', () => {
    expect(distanceMeters(22.5531, 114.0412, 22.5631, 114.0412)).toBeCloseTo(1112, -1);
    expect(distanceMeters(22.5431, 114.0579, 22.5414, 114.1175)).toBeGreaterThan(6000);
    expect(distanceMeters(22.5431, 114.0579, 22.5431, 114.0579)).toBe(0);
  });

  it('[GEOFENCE] a fix is outside only when its whole accuracy circle is; inside when its centre is', () => {
    expect(fenceSide(500, 300, 20)).toBe('outside');
    expect(fenceSide(500, 300, 250)).toBe('unsure');
    expect(fenceSide(290, 300, 250)).toBe('inside');
  });

  it('[QUIET-HOURS] 23:00–05:00 wraps midnight: 23:00 and 04:59 are in, 05:00 and 22:59 are out', () => {
    const quiet = { startHour: 23, endHour: 5, utcOffsetMinutes: utc8 };
    expect(inLocalHours(shenzhen(23), quiet)).toBe(true);
    expect(inLocalHours(shenzhen(4, 59), quiet)).toBe(true);
    expect(inLocalHours(shenzhen(5), quiet)).toBe(false);
    expect(inLocalHours(shenzhen(22, 59), quiet)).toBe(false);
    expect(inLocalHours(shenzhen(2), { startHour: 1, endHour: 5, utcOffsetMinutes: utc8 })).toBe(true);
    expect(localDay(shenzhen(0), utc8)).toBe(localDay(shenzhen(23, 59), utc8));
    expect(localDay(shenzhen(7, 59), utc8)).toBe(localDay(shenzhen(8), utc8)); // 00:00 UTC is not a local day boundary
  });

  it('[STREAK] a streak needs its span and its readings; a gap too long starts it again', () => {
    const s = new Streak();
    s.add(0, 35, 60_000);
    s.add(60_000, 33, 60_000);
    expect(s.lasted(60_000, 3)).toBe(false);
    s.add(120_000, 37, 60_000);
    expect(s.lasted(120_000, 3)).toBe(true);
    expect(s.describe()).toEqual({ min: 33, max: 37, for_ms: 120_000, since: 0, readings: 3 });
    s.add(300_000, 30, 60_000);
    expect(s.describe()).toMatchObject({ since: 300_000, readings: 1, min: 30 });
  });

  it('[MOTION] a resting wrist (sensor noise) has not moved; waving it has', () => {
    const resting = { x: [0.02, 0.03, 0.01, 0.02], y: [0.98, 0.99, 0.97, 0.98], z: [0.12, 0.11, 0.12, 0.13] };
    const waving = { x: [0.02, 0.6, -0.4, 0.3], y: [0.98, 1.4, 0.5, 1.2], z: [0.12, 0.3, -0.2, 0.4] };
    expect(wristMoved(resting, 0.05)).toBe(false);
    expect(wristMoved(waving, 0.05)).toBe(true);
    expect(wristMoved({ x: [1], y: [0], z: [0] }, 0.05)).toBe(false);
  });

  it('[VITALS-BASELINE] median and MAD come from completed days only, and need enough minutes', () => {
    const b = new HeartRateBaseline(7, 60);
    const today = 20_000;
    for (let m = 0; m < 100; m++) b.add(today - 1, 60 + (m % 5)); // 60..64, median 62, MAD 1
    b.add(today, 150, 1000); // today's episode does not move the yardstick
    expect(b.median(today)).toBe(62);
    expect(b.mad(today)).toBe(1);
    expect(b.median(today - 1)).toBeNaN(); // nothing before that day
    const few = new HeartRateBaseline(7, 60);
    for (let m = 0; m < 30; m++) few.add(today - 1, 70);
    expect(few.median(today)).toBeNaN();
  });

  it('[VITALS-BASELINE] the ring keeps the last 7 days: an 8th day back is dropped, a new day replaces the oldest', () => {
    const b = new HeartRateBaseline(7, 1);
    const today = 20_000;
    b.add(today - 8, 100, 500); // older than the window
    b.add(today - 3, 70, 10);
    expect(b.median(today)).toBe(70);
    b.add(today + 5, 80, 10); // lands in the slot of day today-3 and evicts it
    expect(b.median(today + 6)).toBe(80);
    b.add(today - 3, 70, 10); // older than what its slot holds now: ignored
    expect(b.median(today + 6)).toBe(80);
  });
});
