import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBook, type AlertKind, type AlertUpdate, type Severity } from '../alerts/alert-book.js';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { defaultDispatchTimings } from '../dispatch/dispatch-timings.js';
import { Dispatcher, type DispatchNotice } from '../dispatch/dispatcher.js';
import { Channel } from '../kernel/channel.js';
import { HubMetrics } from '../kernel/metrics.js';
import { DistrictDirectory } from '../registry/district-directory.js';
import type { Store } from '../store/database.js';
import { type Dialect, dialects } from './support/databases.js';
import { heldRows } from './support/held-rows.js';
import { storeWithElder } from './support/small-store.js';

/** The dispatcher alone on a store, on a clock the test moves: each ladder step is taken when the test ticks. */

const home = { lat: 22.5531, lon: 114.0412 };
/** A point `m` metres north of the home (1° of latitude ≈ 111.2 km). */
const north = (m: number) => ({ lat: home.lat + m / 111_195, lon: home.lon });

interface RigResponder {
  id: string;
  kind: 'volunteer' | 'staff';
  skills: string[];
  metres: number;
}

/** 王秀英 (e-0001, watch w-0001) of 景田, responders on duty north of her home, and the dispatcher. */
class DispatchRig {
  readonly notices: DispatchNotice[] = [];

  private constructor(
    readonly store: Store,
    readonly alerts: AlertBook,
    readonly dispatcher: Dispatcher,
    private readonly district: DistrictDirectory,
    readonly clock: { now: number },
  ) {}

  static async open(
    dialect: Dialect,
    options: { responders: RigResponder[]; homeKnown?: boolean; familyUser?: boolean },
  ): Promise<DispatchRig> {
    const clock = { now: Date.UTC(2026, 10, 30, 2, 0, 0) };
    const store = await storeWithElder(dialect, [{ id: 'w-0001', type: 'watch' }]);
    const { db } = store;
    if (options.homeKnown === false) await db.updateTable('elders').set({ lat: null, lon: null }).execute();
    if (options.familyUser) {
      await db
        .insertInto('users')
        .values({
          username: 'family-wang',
          password_hash: 'scrypt$unused',
          role: 'family',
          org_unit_id: 'jingtian',
          updated_at: 0,
        })
        .execute();
    }
    for (const r of options.responders) {
      const at = north(r.metres);
      await db
        .insertInto('responders')
        .values({
          id: r.id,
          name: `应答者${r.id}`,
          kind: r.kind,
          org_unit_id: 'jingtian',
          skills: JSON.stringify(r.skills),
          ...at,
          updated_at: 0,
        })
        .execute();
      await db
        .insertInto('responder_state')
        .values({
          responder_id: r.id,
          on_duty: 1,
          ...at,
          located_at: clock.now,
          task_alert_id: null,
          app_offline_since: null,
          updated_at: clock.now,
        })
        .execute();
    }
    const district = new DistrictDirectory({
      db,
      catalog: await loadDeviceCatalog(),
      reloadMs: 2 ** 31 - 1,
      onError: (e) => {
        throw e;
      },
    });
    await district.start();
    const updates = new Channel<AlertUpdate>((e) => {
      throw e;
    });
    const notices = new Channel<DispatchNotice>((e) => {
      throw e;
    });
    const now = () => clock.now;
    const alerts = new AlertBook({ db, updates, now });
    const dispatcher = new Dispatcher({
      db,
      alerts,
      district,
      updates,
      notices,
      notify: async () => undefined,
      timings: defaultDispatchTimings,
      now,
      logger: pino({ level: 'silent' }),
      // Never by itself: the test ticks it (`pass`), as the hub's one-second timer would.
      tickMs: 2 ** 31 - 1,
      metrics: new HubMetrics(),
    });
    const rig = new DispatchRig(store, alerts, dispatcher, district, clock);
    notices.subscribe((n) => {
      rig.notices.push(n);
    });
    await dispatcher.start();
    await rig.settle();
    return rig;
  }

  /** The watch raises an alert (a repeat of the same incident updates the one open): its id. */
  async raise(kind: AlertKind, severity: Severity): Promise<string> {
    const raised = await this.alerts.raise({ kind, severity, deviceId: 'w-0001', details: {} });
    await this.settle();
    return raised!.update.alert.id;
  }

  /** `ms` pass, the ladders ticked every second on the way. */
  async pass(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 1000) {
      this.clock.now += Math.min(1000, ms - t);
      this.dispatcher.schedule();
      await this.settle();
    }
  }

  /** Every step asked for is taken, those asked for meanwhile too. */
  async settle(): Promise<void> {
    for (;;) {
      const stepping = this.dispatcher.idle();
      await stepping;
      if (stepping === this.dispatcher.idle()) return;
    }
  }

  /** What a responder's phone was told about an alert, in order: offer, withdrawn, task, task_closed. */
  told(responderId: string, alertId: string): string[] {
    return this.notices.flatMap((n) => {
      if (!('responderId' in n) || n.responderId !== responderId) return [];
      const about = n.type === 'offer' ? n.offer.alert_id : n.type === 'task' ? n.task.alert_id : n.alertId;
      return about === alertId ? [n.type] : [];
    });
  }

  /** The offer a responder was last sent for an alert. */
  offerTo(responderId: string, alertId: string): string {
    const offer = this.notices
      .filter((n) => n.type === 'offer' && n.responderId === responderId && n.offer.alert_id === alertId)
      .at(-1);
    if (offer?.type !== 'offer') throw new Error(`${responderId} was offered nothing of ${alertId}`);
    return offer.offer.offer_id;
  }

  /** Whom the console's escalation notices named for an alert. */
  escalatedTo(alertId: string): string[] {
    return this.notices.flatMap((n) => (n.type === 'escalation' && n.alert.id === alertId ? [n.to] : []));
  }

  /** The alert's timeline as codes (an escalation with whom it went to). */
  async notes(alertId: string): Promise<string[]> {
    return (await this.alerts.timeline(alertId)).map((e) =>
      e.code === 'escalated' ? `escalated ${String(e.params?.to)}` : String(e.code),
    );
  }

  /** The responders whose stored state holds the alert as their task. */
  async holders(alertId: string): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('responder_state')
      .select('responder_id')
      .where('task_alert_id', '=', alertId)
      .execute();
    return rows.map((r) => r.responder_id).sort();
  }

  /** PostgreSQL: a responder's state row locked by another transaction until `release()`. */
  lockResponderState(responderId: string): Promise<{ release: () => Promise<void> }> {
    return heldRows(this.store.db, (trx) =>
      trx
        .selectFrom('responder_state')
        .select('responder_id')
        .where('responder_id', '=', responderId)
        .forUpdate()
        .execute(),
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.stop();
    await this.district.stop();
    await this.store.close();
  }
}

const volunteer = (id: string, metres: number, skills = ['first_aid']): RigResponder => ({
  id,
  kind: 'volunteer',
  skills,
  metres,
});
const staff = (id: string, metres: number): RigResponder => ({ id, kind: 'staff', skills: [], metres });

describe.each(dialects)('escalation ladders on %s', (dialect) => {
  let rig: DispatchRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('[DISPATCH-NO-LOCATION] an SOS from a home with no position goes to the console and the family at once, once: nobody can be sent there', async () => {
    rig = await DispatchRig.open(dialect, {
      responders: [staff('s-0001', 100), volunteer('v-0001', 100)],
      homeKnown: false,
      familyUser: true,
    });
    const id = await rig.raise('sos', 'critical');
    expect(rig.escalatedTo(id).sort()).toEqual(['console', 'family']);
    expect((await rig.notes(id)).sort()).toEqual([
      'escalated console',
      'escalated family',
      'no_location',
      'opened',
    ]);
    // Nobody offered, and told only once: the ladder does not walk its steps for nothing.
    await rig.pass(4 * 46_000);
    expect(rig.escalatedTo(id).sort()).toEqual(['console', 'family']);
    expect((await rig.notes(id)).filter((n) => n !== 'opened').sort()).toEqual([
      'escalated console',
      'escalated family',
      'no_location',
    ]);
    expect(rig.told('s-0001', id)).toEqual([]);
  });

  it('[DISPATCH-FAMILY-UNIT-EXACT] a family user of another unit whose id differs by a `_` is not the elder’s family: no family escalation', async () => {
    rig = await DispatchRig.open(dialect, { responders: [], homeKnown: false });
    const { db } = rig.store;
    // `jingti_n` would match `jingtian` as a LIKE pattern.
    await db
      .insertInto('org_units')
      .values({
        id: 'jingti_n',
        name: '另一个社区',
        level: 'community',
        parent_id: 'futian',
        path: '/futian/jingti_n/',
        updated_at: 0,
      })
      .execute();
    await db
      .insertInto('users')
      .values({
        username: 'family-other',
        password_hash: 'scrypt$unused',
        role: 'family',
        org_unit_id: 'jingti_n',
        updated_at: 0,
      })
      .execute();
    const id = await rig.raise('sos', 'critical');
    expect(rig.escalatedTo(id)).toEqual(['console']);
    expect(await rig.notes(id)).not.toContain('escalated family');
  });

  it('[DISPATCH-FAMILY-UNIT-EXACT] a family user of the elder’s own unit, or of a unit above it, still hears of it', async () => {
    rig = await DispatchRig.open(dialect, { responders: [], homeKnown: false });
    await rig.store.db
      .insertInto('users')
      .values({
        username: 'family-district',
        password_hash: 'scrypt$unused',
        role: 'family',
        org_unit_id: 'futian',
        updated_at: 0,
      })
      .execute();
    const id = await rig.raise('sos', 'critical');
    expect(rig.escalatedTo(id).sort()).toEqual(['console', 'family']);
  });

  it('[DISPATCH-REPAIR-RUNNING] a responder left holding a closed alert (its release lost on another node) is released within a minute, without a restart', async () => {
    rig = await DispatchRig.open(dialect, { responders: [volunteer('v-0001', 100)] });
    const id = await rig.raise('sos', 'critical');
    // What a node that closed the alert and died before releasing leaves behind.
    await rig.store.db
      .updateTable('alerts')
      .set({ status: 'resolved', closed_at: 0 })
      .where('id', '=', id)
      .execute();
    await rig.store.db
      .updateTable('responder_state')
      .set({ task_alert_id: id })
      .where('responder_id', '=', 'v-0001')
      .execute();
    await rig.pass(61_000);
    expect(await rig.holders(id)).toEqual([]);
    expect(await rig.dispatcher.currentTask('v-0001')).toBeNull();
    expect(rig.told('v-0001', id)).toContain('task_closed');
  });

  it('[DISPATCH-ASSIGN-RACE] a hand assignment and an acceptance at the same moment: one responder holds the task, the other is told it is not theirs', async () => {
    // 张 (staff) is offered the SOS; 赵 (no first aid) is not, and is assigned it by hand.
    rig = await DispatchRig.open(dialect, {
      responders: [staff('s-0001', 100), volunteer('v-0002', 200, ['visiting'])],
    });
    const id = await rig.raise('sos', 'critical');
    const offer = rig.offerTo('s-0001', id);
    await rig.pass(1000);
    // On SQLite the assignment's first read comes before the acceptance's transaction by itself. On
    // PostgreSQL each has a connection of its own: the assignment is held up (its responder's row
    // locked, as by a slow writer) while the acceptance goes ahead.
    const slow = dialect === 'postgres' ? await rig.lockResponderState('v-0002') : undefined;
    const assigning = rig.dispatcher.assign(id, 'v-0002', 'spec-jingtian');
    const accepting = rig.dispatcher.accept(offer, 's-0001');
    await Promise.race([accepting, new Promise((r) => setTimeout(r, 500))]);
    await slow?.release();
    const [assigned, accepted] = await Promise.all([assigning, accepting]);
    await rig.settle();
    expect(assigned.ok || accepted.ok).toBe(true);
    const alert = await rig.alerts.get(id);
    expect(alert.status).toBe('assigned');
    const assignee = alert.assignee_id!;
    const other = assignee === 'v-0002' ? 's-0001' : 'v-0002';
    expect(await rig.holders(id), 'responders holding the task').toEqual([assignee]);
    expect(await rig.dispatcher.currentTask(assignee)).toMatchObject({ alert_id: id });
    expect(await rig.dispatcher.currentTask(other)).toBeNull();
    // Whoever was given it and lost it is told so, last.
    const otherTold = rig.told(other, id).filter((t) => t === 'task' || t === 'task_closed');
    const otherWasGiven = other === 's-0001' ? accepted.ok : assigned.ok;
    if (otherWasGiven) expect(otherTold.at(-1) ?? 'task (the accept answer)').toBe('task_closed');
    // And is free for the next alert.
    const next = await rig.raise('fall', 'critical');
    if (other === 's-0001') expect(rig.told('s-0001', next)).toEqual(['offer']);
    else expect((await rig.dispatcher.assign(next, 'v-0002', 'spec-jingtian')).ok).toBe(true);
  });

  it('[DISPATCH-SEVERITY-UP] vitals turning critical hurry the ladder: the next step is taken now, on the critical ladder', async () => {
    // The health ladder's first step asks the nurse (staff, 1 km); its next would ask nursing volunteers only.
    rig = await DispatchRig.open(dialect, { responders: [staff('s-0001', 1000), volunteer('v-0001', 300)] });
    const id = await rig.raise('vitals', 'high');
    expect(rig.told('s-0001', id)).toEqual(['offer']);
    await rig.pass(5000);
    expect(await rig.raise('vitals', 'critical')).toBe(id);
    await rig.pass(1000);
    // 6 s in, not 45: the critical ladder's second step (1 km, first aid) reaches the volunteer.
    expect(rig.told('v-0001', id)).toEqual(['offer']);
    const offered = (await rig.alerts.timeline(id)).filter((e) => e.code === 'offered').at(-1);
    expect(offered?.params).toMatchObject({ step: 2, steps: 4 });
  });

  it('[DISPATCH-SEVERITY-UP-ENDED] vitals turning critical after the health ladder ended without anyone: the critical ladder starts again', async () => {
    // Nobody on the health ladder (no nurse, no nursing volunteer): it ends, the console is told.
    rig = await DispatchRig.open(dialect, { responders: [volunteer('v-0001', 100)] });
    const id = await rig.raise('vitals', 'high');
    await rig.pass(3 * 46_000);
    expect(await rig.notes(id)).toContain('ladder_ended');
    expect(rig.told('v-0001', id)).toEqual([]);
    await rig.raise('vitals', 'critical');
    await rig.pass(1000);
    expect(rig.told('v-0001', id)).toEqual(['offer']);
    const offered = (await rig.alerts.timeline(id)).filter((e) => e.code === 'offered').at(-1);
    expect(offered?.params).toMatchObject({ step: 1, steps: 4 });
  });

  it('[DISPATCH-OFF-DUTY-OFFERS] a volunteer going off duty with an offer open: it is withdrawn and the next responder asked now, not when the step runs out', async () => {
    rig = await DispatchRig.open(dialect, {
      responders: [volunteer('v-0001', 100), volunteer('v-0002', 800)],
    });
    const id = await rig.raise('sos', 'critical');
    expect(rig.told('v-0001', id)).toEqual(['offer']);
    await rig.pass(2000);
    await rig.dispatcher.setDuty('v-0001', false);
    await rig.pass(1000);
    expect(rig.told('v-0001', id)).toEqual(['offer', 'withdrawn']);
    expect(rig.told('v-0002', id), 'the next responder, 3 s in').toEqual(['offer']);
  });

  it('[DISPATCH-STOPPED-STEPS] a decline reaching a stopped dispatcher (a hub shutting down) is stored, and its alert steps on at the next running dispatcher, not this one', async () => {
    rig = await DispatchRig.open(dialect, {
      responders: [volunteer('v-0001', 100), volunteer('v-0002', 800)],
    });
    const id = await rig.raise('sos', 'critical');
    expect(rig.told('v-0001', id)).toEqual(['offer']);
    await rig.dispatcher.stop();
    expect(await rig.dispatcher.decline(rig.offerTo('v-0001', id), 'v-0001')).toBe(id);
    await rig.settle();
    expect(rig.told('v-0002', id), 'no step taken by a stopped dispatcher').toEqual([]);
    const alert = await rig.store.db
      .selectFrom('alerts')
      .select(['status', 'next_step_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(alert.status).toBe('open');
    expect(Number(alert.next_step_at), 'the next step is due in the store').toBeLessThanOrEqual(
      rig.clock.now,
    );
    await rig.dispatcher.start();
    await rig.settle();
    expect(rig.told('v-0002', id), 'asked by the dispatcher running next').toEqual(['offer']);
  });

  for (const how of ['accepts another', 'is assigned another by hand'] as const) {
    it(`[DISPATCH-BUSY-OFFERS] a volunteer who ${how} alert: their offer of this one is withdrawn and the next responder asked now`, async () => {
      rig = await DispatchRig.open(dialect, {
        responders: [volunteer('v-0001', 100), volunteer('v-0002', 800)],
      });
      const sos = await rig.raise('sos', 'critical');
      const fall = await rig.raise('fall', 'critical');
      expect(rig.told('v-0001', fall)).toEqual(['offer']);
      await rig.pass(2000);
      const taken =
        how === 'accepts another'
          ? await rig.dispatcher.accept(rig.offerTo('v-0001', sos), 'v-0001')
          : await rig.dispatcher.assign(sos, 'v-0001', 'spec-jingtian');
      expect(taken.ok).toBe(true);
      await rig.pass(1000);
      expect(rig.told('v-0001', fall)).toEqual(['offer', 'withdrawn']);
      expect(rig.told('v-0002', fall), 'the next responder, 3 s in').toEqual(['offer']);
    });
  }
});
