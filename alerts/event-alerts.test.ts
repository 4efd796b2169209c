import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { EventLog, type StoredEvent } from '../ingest/event-log.js';
import { Channel } from '../kernel/channel.js';
import type { Store } from '../store/database.js';
import { dialects } from '../test/support/databases.js';
import { storeWithElder } from '../test/support/small-store.js';
import { AlertBook, type AlertUpdate } from './alert-book.js';
import { EventAlerts } from './event-alerts.js';

/** The event alerts over `db`, as the hub builds them; a channel that fails the test on any error. */
function eventAlertsOn(db: Store['db'], eventLog: EventLog, now: () => number = Date.now) {
  const fail = (error: unknown) => {
    throw error;
  };
  const alerts = new AlertBook({ db, updates: new Channel<AlertUpdate>(fail), now });
  const events = new EventAlerts({
    events: new Channel<StoredEvent>(fail),
    eventLog,
    alerts,
    logger: pino({ level: 'silent' }),
    now,
  });
  return { alerts, events };
}

describe.each(dialects)('event alerts on %s', (dialect) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('[EVENT-REPLAY-FAILS] at the start, an event whose handler fails stays unhandled and the others are handled; the next replay handles it', async () => {
    store = await storeWithElder(dialect, [{ id: 'r-0001', type: 'fall_radar' }]);
    const catalog = await loadDeviceCatalog();
    const eventLog = new EventLog({ db: store.db, catalog });
    for (const [i, eventId] of ['first', 'second'].entries()) {
      await eventLog.record({
        deviceId: 'r-0001',
        deviceType: 'fall_radar',
        elderId: 'e-0001',
        eventId,
        eventType: 'fall',
        ts: 1000 + i,
        receivedAt: 1000 + i,
        clockSkewed: false,
        data: { ts: 1000 + i, event_id: eventId, type: 'fall' },
        measured: undefined,
      });
    }
    const { events } = eventAlertsOn(store.db, eventLog);
    const handled: string[] = [];
    let failures = 1;
    events.answerWith({
      eventTypes: ['fall'],
      async handleEvent(event) {
        if (event.eventId === 'first' && failures-- > 0) throw new Error('store away');
        handled.push(event.eventId);
      },
    });
    await events.start(); // the failing event neither stops the start nor the events after it
    events.stop();
    expect(handled).toEqual(['second']);
    expect((await eventLog.unhandled()).map((e) => e.eventId)).toEqual(['first']);
    await events.takeOver(); // a replay, as the sweep's
    expect(handled).toEqual(['second', 'first']);
    expect(await eventLog.unhandled()).toEqual([]);
  });

  it('[EVENT-REPLAY-OWNER] an SOS stored and not handled before a crash alerts for who wore the watch then, though it was refitted meanwhile; one sent while the watch was nobody’s alerts nobody and is handled', async () => {
    store = await storeWithElder(dialect, [{ id: 'w-0001', type: 'watch' }]);
    const { db } = store;
    await db
      .insertInto('elders')
      .values({
        id: 'e-0002',
        name: '李桂兰',
        org_unit_id: 'jingtian',
        address: '景田北二街 5 栋 301',
        lat: 22.554,
        lon: 114.042,
        updated_at: 0,
      })
      .execute();
    const eventLog = new EventLog({ db, catalog: await loadDeviceCatalog() });
    const sos = (eventId: string, at: number) =>
      eventLog.record({
        deviceId: 'w-0001',
        deviceType: 'watch',
        elderId: 'e-0001', // this process's view: the store's owner is what is kept
        eventId,
        eventType: 'sos',
        ts: at,
        receivedAt: at,
        clockSkewed: false,
        data: { ts: at, event_id: eventId, type: 'sos' },
        measured: undefined,
      });
    expect((await sos('worn', 1000))?.elderId).toBe('e-0001');
    // The hub is down; the watch is taken off her, sends an SOS while nobody's, and is fitted to 李桂兰.
    await db.updateTable('devices').set({ elder_id: null }).where('id', '=', 'w-0001').execute();
    expect((await sos('unworn', 2000))?.elderId).toBeNull();
    await db.updateTable('devices').set({ elder_id: 'e-0002' }).where('id', '=', 'w-0001').execute();

    const { events } = eventAlertsOn(db, eventLog);
    await events.start(); // the restart's replay
    events.stop();
    const raised = await db.selectFrom('alerts').select(['elder_id', 'kind', 'details']).execute();
    expect(raised.map((a) => [a.elder_id, a.kind, JSON.parse(a.details).event_id])).toEqual([
      ['e-0001', 'sos', 'worn'],
    ]);
    expect(await eventLog.unhandled()).toEqual([]);
  });

  it('[EVENT-REPLAY-ERASED] an SOS stored under an elder whose erasure committed before it was handled alerts nobody (her address is gone) and is handled', async () => {
    store = await storeWithElder(dialect, [{ id: 'w-0001', type: 'watch' }]);
    const { db } = store;
    const eventLog = new EventLog({ db, catalog: await loadDeviceCatalog() });
    await eventLog.record({
      deviceId: 'w-0001',
      deviceType: 'watch',
      elderId: 'e-0001',
      eventId: 'as-erased',
      eventType: 'sos',
      ts: 1000,
      receivedAt: 1000,
      clockSkewed: false,
      data: { ts: 1000, event_id: 'as-erased', type: 'sos' },
      measured: undefined,
    });
    // Her erasure, as it leaves the store: the row stays, personal fields replaced, devices detached.
    await db
      .updateTable('elders')
      .set({ name: '（已删除）', address: '', lat: null, lon: null, erased_at: 2000 })
      .where('id', '=', 'e-0001')
      .execute();
    await db.updateTable('devices').set({ elder_id: null }).where('id', '=', 'w-0001').execute();
    const { events } = eventAlertsOn(db, eventLog);
    await events.start();
    events.stop();
    expect(await db.selectFrom('alerts').select(['elder_id', 'kind']).execute()).toEqual([]);
    expect(await eventLog.unhandled()).toEqual([]);
  });

  it('[EVENT-SWEEP-CLOCK] the sweep retries a failed event by the hub’s clock, also when it runs ahead of the wall’s (the district simulator)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let events: EventAlerts | undefined;
    try {
      store = await storeWithElder(dialect, [{ id: 'r-0001', type: 'fall_radar' }]);
      let ahead = 3_600_000; // the hub's clock an hour ahead of the wall's
      const hubNow = () => Date.now() + ahead;
      const eventLog = new EventLog({ db: store.db, catalog: await loadDeviceCatalog() });
      const at = hubNow();
      await eventLog.record({
        deviceId: 'r-0001',
        deviceType: 'fall_radar',
        elderId: 'e-0001',
        eventId: 'ahead',
        eventType: 'fall',
        ts: at,
        receivedAt: at,
        clockSkewed: false,
        data: { ts: at, event_id: 'ahead', type: 'fall' },
        measured: undefined,
      });
      events = eventAlertsOn(store.db, eventLog, hubNow).events;
      let failures = 1;
      events.answerWith({
        eventTypes: ['fall'],
        async handleEvent() {
          if (failures-- > 0) throw new Error('store away');
        },
      });
      await events.start();
      expect((await eventLog.unhandled()).map((e) => e.eventId)).toEqual(['ahead']);
      ahead += 6_000; // the event is now older than the sweep's 5 s by the hub's clock (not by the wall's)
      await vi.advanceTimersByTimeAsync(10_000); // the sweep
      await vi.waitFor(async () => expect(await eventLog.unhandled()).toEqual([]), { timeout: 2000 });
    } finally {
      events?.stop();
      vi.useRealTimers();
    }
  });
});
