import { describe, expect, it } from 'vitest';
import type { IntakeResult } from './device-intake.js';
import { DeviceRates } from './device-rates.js';
import { LastHeard } from './last-heard.js';
import type { DeviceIdentity } from './readings.js';
import { TelemetryAdmission, type TelemetryOrigin } from './telemetry-admission.js';

/** An admission on a fake clock: handling a message takes 1 ms of it. */
function admission(options: { perSecond?: number } = {}) {
  let clock = 0;
  const handled: string[] = [];
  const heard = new LastHeard();
  const admission = new TelemetryAdmission({
    heard,
    rates: new DeviceRates({
      perSecond: options.perSecond ?? 1_000_000,
      burst: options.perSecond ?? 1_000_000,
    }),
    handle: (device) => {
      clock += 1;
      handled.push(device.id);
      return { ok: true };
    },
    rules: { floor: 0.05, shedAboveMs: 500, roomBelowMs: 50, maxPerSecond: 0 },
    budgetMs: 5,
    intervalMs: 100,
    maxQueued: { messages: 1000, bytes: 1 << 20 },
    staleAfterMs: 1000,
    now: () => 1_700_000_000_000 + clock,
    clock: () => clock,
  });
  return { admission, handled, heard, tick: (ms: number) => (clock += ms) };
}

const watch = (i: number): DeviceIdentity => ({ id: `w-${i}`, type: 'watch', elderId: null });
const settled: IntakeResult[] = [];
const origin: TelemetryOrigin = { settled: (_device, result) => settled.push(result) };
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('telemetry admission', () => {
  it('[OVERLOAD-FAIR] while shedding, every device keeps the same share of its stream', () => {
    const { admission: a } = admission();
    a.pin(0.25);
    const devices = Array.from({ length: 40 }, (_, i) => watch(i));
    const taken = new Map<string, number>();
    // Devices in a different order every round, as sockets are read.
    for (let round = 0; round < 100; round++) {
      const order = round % 2 ? devices : [...devices].reverse();
      for (const device of order) {
        if (a.arrive(a.slotOf(device)) === 'take') taken.set(device.id, (taken.get(device.id) ?? 0) + 1);
      }
    }
    for (const device of devices) expect(taken.get(device.id)).toBe(25);
    expect(a.shed).toBe(40 * 75);
    expect(a.arrived).toBe(4000);
  });

  it('[OVERLOAD-SPREAD] the moment shedding starts, the share taken is the share set, not nothing until devices save up', () => {
    const { admission: a } = admission();
    a.pin(0.1);
    // Watches send about once a second: one message each is all a few hundred ms bring.
    const devices = Array.from({ length: 1000 }, (_, i) => watch(i));
    const taken = devices.filter((device) => a.arrive(a.slotOf(device)) === 'take').length;
    expect(taken).toBeGreaterThanOrEqual(95);
    expect(taken).toBeLessThanOrEqual(105);
  });

  it('[OVERLOAD-HEARD] a shed message still marks its device heard, without anything queued', () => {
    const { admission: a, heard } = admission();
    a.pin(0);
    const device = watch(1);
    const slot = a.slotOf(device);
    expect(heard.when(slot)).toBe(0);
    expect(a.arrive(slot)).toBe('shed');
    expect(a.backlog).toBe(0);
    expect(heard.when(slot)).toBe(1_700_000_000_000);
  });

  it('[OVERLOAD-BUDGET] the queue is handled one budget per turn of the event loop', async () => {
    const { admission: a, handled } = admission();
    for (let i = 0; i < 12; i++) {
      const device = watch(i);
      expect(a.arrive(a.slotOf(device))).toBe('take');
      a.submit(device, Buffer.from('{}'), 0, 2, origin);
    }
    expect(handled).toHaveLength(0);
    await turn();
    expect(handled).toHaveLength(5);
    await turn();
    expect(handled).toHaveLength(10);
    await turn();
    expect(handled).toEqual(Array.from({ length: 12 }, (_, i) => `w-${i}`));
    expect(a.backlog).toBe(0);
  });

  it('[OVERLOAD-STALE] telemetry queued for more than a second is dropped unhandled and counted shed, and the share is cut', async () => {
    const { admission: a, handled, tick } = admission();
    const take = (device: DeviceIdentity) => {
      expect(a.arrive(a.slotOf(device))).toBe('take');
      a.submit(device, Buffer.from('{}'), 0, 2, origin);
    };
    for (let i = 0; i < 20; i++) take(watch(i));
    tick(100);
    a.adjust();
    // The loop was held for over a second before it came back to the queue; then one more arrives.
    tick(1_100);
    take(watch(99));
    await turn();
    expect(handled).toEqual(['w-99']);
    expect(a.shed).toBe(20);
    expect(a.backlog).toBe(0);
    a.adjust();
    expect(a.keepShare).toBeLessThan(1);
  });

  it("[DEVICE-RATE] a device over its own rate is limited before it takes anyone's share", () => {
    const { admission: a } = admission({ perSecond: 3 });
    const device = watch(1);
    const arrivals = Array.from({ length: 5 }, () => a.arrive(a.slotOf(device)));
    expect(arrivals).toEqual(['take', 'take', 'take', 'limited', 'limited']);
    expect(a.shed).toBe(0);
  });
});
