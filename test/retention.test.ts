import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../hub/config.js';
import { emptyRow } from '../ingest/minute-rollups.js';
import { Retention } from '../privacy/retention.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

const day = 86_400_000;

describe('retention configuration', () => {
  it('[RETENTION-CONFIG] each kind has its own period from the environment: raw events 90 days, audit 3 years, closed alerts kept', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      eventRetentionDays: 90,
      closedAlertRetentionDays: 0,
      auditRetentionDays: 1095,
      rollupRetentionDays: 400,
    });
    const set = loadConfig({
      EVENT_RETENTION_DAYS: '30',
      CLOSED_ALERT_RETENTION_DAYS: '730',
      AUDIT_RETENTION_DAYS: '0',
    });
    expect(set).toMatchObject({
      eventRetentionDays: 30,
      closedAlertRetentionDays: 730,
      auditRetentionDays: 0,
    });
    expect(() => loadConfig({ EVENT_RETENTION_DAYS: 'forever' })).toThrow(ConfigError);
    expect(() => loadConfig({ EVENT_RETENTION_DAYS: '-1' })).toThrow(/EVENT_RETENTION_DAYS: /);
  });
});

describe.each(dialects)('retention on %s', (dialect) => {
  let hub: TestHub;
  afterEach(async () => {
    await hub?.stop();
  });

  it('[RETENTION] the sweep deletes what is past its kind’s retention and keeps what is fresh or still needed', async () => {
    // The hub's clock far ahead of the wall clock: the stages that act on wall-clock time
    // (the replay of unhandled events) leave these rows alone.
    const now = Date.now() + 400 * day;
    hub = await startTestHub({
      dialect,
      now: () => now,
      config: { eventRetentionDays: 90, closedAlertRetentionDays: 30, auditRetentionDays: 365 },
    });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    const { db } = hub.store;

    const event = (id: string, ageDays: number, handled: boolean) => ({
      device_id: 'w-0001',
      event_id: id,
      type: 'battery_low',
      device_ts: now - ageDays * day,
      received_at: now - ageDays * day,
      payload: '{}',
      handled_at: handled ? now - ageDays * day : null,
    });
    await db
      .insertInto('device_events')
      .values([event('old', 91, true), event('fresh', 89, true), event('old-unhandled', 91, false)])
      .execute();

    const alert = (id: string, status: string, closedDaysAgo: number | null) => ({
      id,
      elder_id: 'e-0001',
      device_id: 'w-0001',
      org_unit_id: 'jingtian',
      kind: 'sos',
      severity: 'critical',
      status,
      opened_at: now - 100 * day,
      updated_at: now,
      source_event_id: null,
      details: '{"evidence":"heart_rate 187"}',
      closed_at: closedDaysAgo === null ? null : now - closedDaysAgo * day,
      outcome: closedDaysAgo === null ? null : 'help_given',
      acknowledged_at: null,
      acknowledged_by: null,
      accepted_at: null,
      on_site_at: null,
      assignee_id: null,
      next_step_at: null,
    });
    await db
      .insertInto('alerts')
      .values([
        alert('a-old', 'resolved', 31),
        alert('a-fresh', 'resolved', 29),
        alert('a-open', 'open', null),
      ])
      .execute();
    for (const id of ['a-old', 'a-fresh', 'a-open']) {
      await db
        .insertInto('alert_transitions')
        .values({
          alert_id: id,
          at: now - 100 * day,
          actor: 'hub',
          from_status: null,
          to_status: 'open',
          note: '王秀英',
        })
        .execute();
      await db
        .insertInto('offers')
        .values({
          id: `o-${id}`,
          alert_id: id,
          responder_id: 'v-0001',
          status: 'declined',
          distance_m: 80,
          ladder_step: 0,
          created_at: now - 100 * day,
          expires_at: now - 100 * day + 45_000,
          answered_at: now - 100 * day + 5_000,
        })
        .execute();
    }

    const entry = (id: string, ageDays: number) => ({
      id,
      at: now - ageDays * day,
      actor: 'spec-jingtian',
      actor_role: 'specialist',
      action: 'alert_viewed',
      elder_id: 'e-0001',
      org_unit_id: 'jingtian',
      target: null,
      detail: '{}',
    });
    await db
      .insertInto('audit_entries')
      .values([entry('old', 366), entry('fresh', 364)])
      .execute();

    // Kept by default: with no period for closed alerts, their timelines stay, however old.
    const keepingAlerts = new Retention({
      db,
      eventLog: hub.ingest.eventLog,
      settings: { deviceEventDays: 0, closedAlertDays: 0, auditDays: 0, sweepMs: 3_600_000 },
      now: () => now,
      logger: pino({ level: 'silent' }),
    });
    expect(await keepingAlerts.sweep()).toEqual({
      device_events: 0,
      alert_timelines: 0,
      audit_entries: 0,
      erased_rollups: 0,
      erased_events: 0,
    });

    // 李桂兰 (e-0002) was erased; a minute of hers still open in memory then was written after.
    await db
      .updateTable('elders')
      .set({ erased_at: now - day })
      .where('id', '=', 'e-0002')
      .execute();
    await db
      .insertInto('rollups_1m')
      .values([emptyRow('w-0002', now - 60_000, 'e-0002'), emptyRow('w-0001', now - 60_000, 'e-0001')])
      .execute();
    // …and an SOS of hers stored as the erasure ran (its insert read her as the watch's owner before
    // the erasure committed, and landed after the erasure deleted her events).
    await db
      .insertInto('device_events')
      .values({ ...event('as-erased', 0, true), device_id: 'w-0002', elder_id: 'e-0002' })
      .execute();

    expect(await hub.retention.sweep()).toEqual({
      device_events: 1,
      alert_timelines: 1,
      audit_entries: 1,
      erased_rollups: 1,
      erased_events: 1,
    });

    const events = await db.selectFrom('device_events').select('event_id').orderBy('event_id').execute();
    // An unhandled event is kept whatever its age: the alert rules have not seen it yet.
    expect(events.map((e) => e.event_id)).toEqual(['fresh', 'old-unhandled']);
    const alerts = await db.selectFrom('alerts').select(['id', 'details', 'outcome']).orderBy('id').execute();
    // The alert row stays for the reports, without its evidence.
    expect(alerts).toEqual([
      { id: 'a-fresh', details: '{"evidence":"heart_rate 187"}', outcome: 'help_given' },
      { id: 'a-old', details: '{}', outcome: 'help_given' },
      { id: 'a-open', details: '{"evidence":"heart_rate 187"}', outcome: null },
    ]);
    // The live hub may add a step to the open alert meanwhile (its ladder); what counts is whose timeline is gone.
    const steps = await db
      .selectFrom('alert_transitions')
      .select('alert_id')
      .distinct()
      .orderBy('alert_id')
      .execute();
    expect(steps.map((s) => s.alert_id)).toEqual(['a-fresh', 'a-open']);
    const offers = await db.selectFrom('offers').select('alert_id').orderBy('alert_id').execute();
    expect(offers.map((o) => o.alert_id)).toEqual(['a-fresh', 'a-open']);
    const entries = await db.selectFrom('audit_entries').select('id').execute();
    expect(entries.map((e) => e.id)).toEqual(['fresh']);
    const minutes = await db.selectFrom('rollups_1m').select('elder_id').execute();
    expect(minutes).toEqual([{ elder_id: 'e-0001' }]);

    // A second sweep finds nothing more to do.
    expect(await hub.retention.sweep()).toEqual({
      device_events: 0,
      alert_timelines: 0,
      audit_entries: 0,
      erased_rollups: 0,
      erased_events: 0,
    });
  });
});
