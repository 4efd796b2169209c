import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertBook, type AlertUpdate } from '../alerts/alert-book.js';
import { englishNote } from '../alerts/timeline-notes.js';
import { Channel } from '../kernel/channel.js';
import { dialects } from './support/databases.js';
import { codeShown, type ServiceDistrict, serviceDistrict, wangHome } from './support/service-district.js';

describe.each(dialects)('timeline note codes on %s', (dialect) => {
  let d: ServiceDistrict;
  let alerts: AlertBook;
  beforeEach(async () => {
    d = await serviceDistrict(dialect);
    alerts = new AlertBook({
      db: d.store.db,
      updates: new Channel<AlertUpdate>(() => undefined),
      now: () => d.clock.now,
    });
  });
  afterEach(async () => {
    await d.store.close();
  });

  it("[TIMELINE-CODES] the hub's notes are stored with a code and parameters beside the English; a person's note stays as typed", async () => {
    await d.insertAlert({ id: 'a-1', opened_at: d.clock.now });
    await alerts.record(d.store.db, 'a-1', {
      actor: 'hub',
      note: {
        code: 'offered',
        params: {
          step: 1,
          steps: 4,
          responders: [{ id: 'v-0001', name: '李建国', kind: 'volunteer', distance_m: 80 }],
        },
      },
    });
    await alerts.acknowledge('a-1', 'spec-jingtian');
    await alerts.record(d.store.db, 'a-1', { actor: 'spec-jingtian', note: '已电话联系家属' });
    await alerts.transition('a-1', {
      from: ['open'],
      to: 'cancelled',
      actor: 'wearer',
      note: { code: 'wearer_ok', params: { device_id: 'w-0001' } },
    });
    // A row written before codes existed: read back with its English and no code.
    await d.store.db
      .insertInto('alert_transitions')
      .values({
        alert_id: 'a-1',
        at: d.clock.now,
        actor: 'hub',
        from_status: null,
        to_status: 'open',
        note: 'sos',
      })
      .execute();

    const timeline = await alerts.timeline('a-1');
    expect(timeline.map((e) => [e.code, e.note])).toEqual([
      ['offered', 'step 1/4: offered to v-0001 (volunteer, 80 m)'],
      ['acknowledged', 'acknowledged'],
      [null, '已电话联系家属'],
      ['wearer_ok', `"I'm OK" pressed on w-0001`],
      [null, 'sos'],
    ]);
    expect(timeline[0]!.params).toEqual({
      step: 1,
      steps: 4,
      responders: [{ id: 'v-0001', name: '李建国', kind: 'volunteer', distance_m: 80 }],
    });
    expect(timeline[2]!.params).toBeNull();
  });

  it('[TIMELINE-CODES] service order audit notes carry codes: requested, checked in and out, rated, certified', async () => {
    const order = await d.orders.publish(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '',
      wanted_at: d.clock.now,
    });
    await d.orders.take(d.as('v-0001'), order.id);
    await d.orders.checkIn(d.as('v-0001'), order.id, wangHome);
    d.clock.now += 30 * 60_000;
    await d.orders.checkOut(d.as('v-0001'), order.id, wangHome, codeShown(d, order.id));
    await d.orders.rate(d.as('wang-family'), order.id, { rating: 4 });
    await d.orders.certify(d.as('spec-jingtian'), order.id, 30);
    const timeline = await d.orders.timeline(d.as('spec-jingtian'), order.id);
    const coded = timeline.filter((e) => e.code);
    expect(coded.map((e) => [e.code, e.params, e.note])).toEqual([
      ['order_requested', { kind: 'visit' }, 'visit'],
      ['checked_in', { distance_m: 0 }, 'checked in 0 m from the home'],
      [
        'order_checked_out',
        { distance_m: 0, confirmation: 'elder_code' },
        'checked out 0 m from the home, confirmed by elder_code',
      ],
      ['order_rated', { rating: 4 }, '4/5'],
      [
        'order_certified',
        { claimed_minutes: 30, measured_minutes: 30, credit_status: 'paid' },
        'claimed 30 min of 30 measured: paid',
      ],
    ]);
  });

  it("[TIMELINE-CODES] an emergency response's order note is coded (alert kind, outcome) with its English kept", async () => {
    const opened = d.clock.now - 3600_000;
    await d.insertAlert({
      id: 'a-sos',
      opened_at: opened,
      status: 'resolved',
      outcome: 'help_given',
      assignee_id: 'v-0001',
      accepted_at: opened + 40_000,
      closed_at: opened + 1800_000,
    });
    const recorded = await d.orders.recordEmergencyResponse((await alerts.find('a-sos', '/'))!);
    const order = await d.orders.get(d.as('spec-jingtian'), recorded!.id);
    expect([order.note, order.note_code, order.note_params]).toEqual([
      'sos alert: help_given',
      'order_emergency_alert',
      { alert_kind: 'sos', outcome: 'help_given' },
    ]);
    const request = await d.orders.publish(d.as('wang-family'), {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '请下午来',
      wanted_at: d.clock.now,
    });
    expect([request.note, request.note_code, request.note_params]).toEqual(['请下午来', null, null]);
  });
});

describe('englishNote', () => {
  it('[TIMELINE-CODES] keeps the sentences API clients read', () => {
    expect(englishNote({ code: 'nobody_available', params: { step: 2, steps: 4 } })).toBe(
      'step 2/4: nobody available',
    );
    expect(englishNote({ code: 'escalated', params: { to: 'console' } })).toBe('escalated to console');
    expect(englishNote({ code: 'accepted', params: { distance_m: 120 } })).toBe(
      'accepted offer (120 m away)',
    );
    expect(englishNote({ code: 'checked_in', params: { distance_m: 40 } })).toBe(
      'checked in 40 m from the home',
    );
    expect(englishNote({ code: 'closed', params: { outcome: 'false_alarm' } })).toBe('false_alarm');
    expect(englishNote({ code: 'closed', params: { outcome: 'help_given', text: '已送医' } })).toBe('已送医');
    expect(
      englishNote({ code: 'order_emergency_alert', params: { alert_kind: 'fall', outcome: null } }),
    ).toBe('fall alert');
  });
});
