import { beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../test/support/databases.js';
import { type FallAlertsKit, useFallAlertsKit } from '../test/support/fall-alerts-kit.js';

describe.each(dialects)('"I\'m OK" and the time of the fall on %s', (dialect) => {
  const kit = useFallAlertsKit(dialect);
  let k: FallAlertsKit;
  beforeEach(() => {
    k = kit();
  });

  /** The watch's "I'm OK" stamped `ts` by its clock (a late one: queued while offline, or redelivered). */
  let seq = 0;
  const okAt = (ts: number, storedTs = ts) =>
    k.fallAlerts.handleEvent({
      deviceId: 'w-0001',
      deviceType: 'watch',
      elderId: 'e-0001',
      eventId: `ok-${++seq}`,
      type: 'ok',
      ts: storedTs,
      receivedAt: Date.now(),
      data: { ts, event_id: `ok-${seq}`, type: 'ok' },
      measured: undefined,
    });
  const cancelled = () => k.told.filter((t) => t.text === '已取消跌倒报警');

  it('[FALL-OK-STALE] an "I\'m OK" pressed a minute before the fall does not cancel its window, also after a restart; the fall is raised', async () => {
    k.modelAlarm(); // its peak 4 s ago
    await k.advance(3000);
    // handled (resolves), and the window goes on
    await expect(okAt(Date.now() - 60_000)).resolves.toBeUndefined();
    await k.advance(5000);
    await k.crashAndRestart(2000);
    await expect(okAt(Date.now() - 60_000)).resolves.toBeUndefined();
    await k.advance(25_000);
    expect(await k.falls()).toMatchObject([{ status: 'open', severity: 'critical' }]);
    expect(cancelled()).toEqual([]);
  });

  it('[FALL-OK-STALE] an "I\'m OK" pressed before a radar fall does not cancel the active alert, also after a restart; one pressed after it does', async () => {
    const fellAt = Date.now();
    k.event('r-0001', 'fall_radar', 'fall', { confidence: 0.9 });
    await k.advance(10_000);
    await expect(okAt(fellAt - 60_000)).resolves.toBeUndefined();
    await k.crashAndRestart(5000);
    await expect(okAt(fellAt - 60_000)).resolves.toBeUndefined();
    await k.advance(1000);
    const [alert] = await k.falls();
    expect(alert!.status).toBe('open');
    expect(alert!.details.fall_ts).toBe(fellAt);
    expect(cancelled()).toEqual([]);
    // The watch's clock 2 s behind the radar's: still after the fall.
    await okAt(fellAt - 2000);
    expect(await k.falls()).toMatchObject([{ status: 'cancelled', outcome: 'wearer_ok' }]);
  });

  it('[FALL-OK-STALE] an "I\'m OK" queued 10 min in a watch offline (its time replaced by the arrival time, more than 5 min off) does not cancel the alert', async () => {
    k.event('r-0001', 'fall_radar', 'fall', { confidence: 0.9 });
    await k.advance(10_000);
    await okAt(Date.now() - 10 * 60_000, Date.now());
    expect(await k.falls()).toMatchObject([{ status: 'open' }]);
    expect(cancelled()).toEqual([]);
  });

  it('[FALL-OK-STALE] an "I\'m OK" pressed after the fall, delivered late, still cancels its window', async () => {
    k.event('w-0001', 'watch', 'fall', { confidence: 0.8 });
    const fellAt = Date.now();
    await k.advance(20_000);
    await okAt(fellAt + 5000);
    await k.advance(30_000);
    expect(await k.falls()).toEqual([]);
    expect(cancelled()).toHaveLength(1);
  });
});
