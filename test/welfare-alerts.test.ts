import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DistrictDocumentInput } from '../registry/district-document.js';
import { type Dialect, dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/** 2026-12-03 at a local (UTC+8) time of day. */
const local = (hhmm: string) => Date.parse(`2026-12-03T${hhmm}:00+08:00`);

/** The hub's clock, set by the test: nobody waits for 09:00. */
function clock(start: number) {
  const c = { at: start, now: () => c.at };
  return c;
}

/** The small district with each elder's devices as given (王秀英 e-0001, 李桂兰 e-0002). */
function districtWith(devices: Record<'e-0001' | 'e-0002', string[]>): DistrictDocumentInput {
  const doc = smallDistrict();
  const types: Record<string, string> = { w: 'watch', r: 'fall_radar' };
  doc.elders = doc.elders!.map((e) => ({
    ...e,
    devices: devices[e.id as 'e-0001' | 'e-0002'].map((id) => ({
      id,
      type: types[id[0]!]!,
      secret: `secret-${id}-long-enough`,
    })),
  }));
  return doc;
}

describe.each(dialects)('welfare alerts on %s', (dialect: Dialect) => {
  let hub: TestHub | undefined;
  let release: (() => void) | undefined;
  afterEach(async () => {
    release?.();
    await hub?.stop();
    hub = undefined;
    release = undefined;
  });

  async function start(now: () => number) {
    hub = await startTestHub({ dialect, now });
    const put = await hub.putDistrict(districtWith({ 'e-0001': ['w-0001', 'r-0001'], 'e-0002': ['w-0002'] }));
    expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
    return hub;
  }
  const schedule = async (h: TestHub, elderId: string, body: object) => {
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/v1/elders/${elderId}/welfare/schedules`,
      headers: h.as(h.adminToken),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  /** The welfare_check alerts as the console lists them: for which elder. */
  const welfareAlerts = async (h: TestHub): Promise<string[]> => {
    const res = await h.app.inject({ url: '/api/v1/alerts?status=open', headers: h.as(h.adminToken) });
    return (res.json().alerts as Json[])
      .filter((a) => a.kind === 'welfare_check')
      .map((a) => a.elder_id as string)
      .sort();
  };
  const tickAt = async (h: TestHub, c: { at: number }, at: number) => {
    c.at = at;
    await h.welfare.tick();
  };

  it('[WELFARE-RAISE-ELDER] a watch moved to another elder within the wait: the missed check-in alerts the elder it was sent for, not the watch’s new wearer', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    await schedule(h, 'e-0001', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    await tickAt(h, c, local('09:00'));

    // Within the wait, 王秀英's watch goes to 李桂兰 (王秀英 keeps her fall radar).
    const moved = await h.putDistrict(districtWith({ 'e-0001': ['r-0001'], 'e-0002': ['w-0002', 'w-0001'] }));
    expect(moved.statusCode, JSON.stringify(moved.body)).toBe(200);
    await tickAt(h, c, local('09:10') + 1000);
    await tickAt(h, c, local('09:11'));
    expect(await welfareAlerts(h)).toEqual(['e-0001']);
  }, 60_000);

  it('[WELFARE-RAISE-NULL] a missed check-in whose elder has no device left when it is due is not dropped: it is raised for them then, and once only', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    await schedule(h, 'e-0002', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    await tickAt(h, c, local('09:00'));

    // Within the wait, 李桂兰's only watch leaves her (as when whoever it went to is erased).
    await h.store.db.updateTable('devices').set({ elder_id: null }).where('id', '=', 'w-0002').execute();
    await tickAt(h, c, local('09:10') + 1000);
    expect(await welfareAlerts(h)).toEqual(['e-0002']);

    // She gets a new watch: the check-in she missed is not raised a second time.
    const given = await h.putDistrict(districtWith({ 'e-0001': ['w-0001', 'r-0001'], 'e-0002': ['w-0009'] }));
    expect(given.statusCode, JSON.stringify(given.body)).toBe(200);
    await tickAt(h, c, local('09:12'));
    expect(await welfareAlerts(h)).toEqual(['e-0002']);
    const [alert] = await h.store.db
      .selectFrom('alerts')
      .select('details')
      .where('kind', '=', 'welfare_check')
      .execute();
    expect(JSON.parse(alert!.details).repeats).toBeUndefined();
  }, 60_000);

  it('[WELFARE-DEADLINE-FIRST] a check-in whose deadline passed is alerted on time while another elder’s notify hangs (broker unreachable)', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    await schedule(h, 'e-0001', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    await schedule(h, 'e-0002', { kind: 'check_in', time: '09:05', wait_minutes: 10 });
    await tickAt(h, c, local('09:00'));

    // From now on a notify to 李桂兰's watch waits (Redis down) until the test lets it go.
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    const send = h.gateway.sendCommand.bind(h.gateway);
    vi.spyOn(h.gateway, 'sendCommand').mockImplementation(async (deviceId, command, commandId) => {
      if (deviceId === 'w-0002') await hung;
      return send(deviceId, command, commandId);
    });
    c.at = local('09:05');
    const first = h.welfare.tick(); // its send to w-0002 hangs
    c.at = local('09:10') + 1000; // 王秀英's deadline has passed
    const second = h.welfare.tick();
    const raised = await until(
      () => welfareAlerts(h),
      (a) => a.length > 0,
      5000,
    );
    expect(raised, '王秀英 alerted while the other send hangs').toEqual(['e-0001']);
    release!();
    await Promise.all([first, second]);
  }, 60_000);
  /** The wearer of `deviceId` (`elderId`) pressed confirm on the check-in `commandId`. */
  const answer = (h: TestHub, deviceId: string, elderId: string, commandId: string, at: number) =>
    h.welfare.handleEvent({
      deviceId,
      deviceType: 'watch',
      elderId,
      eventId: `ack-${commandId}`,
      type: 'command_ack',
      ts: at,
      receivedAt: at,
      data: { command_id: commandId },
      measured: undefined,
    });
  const occurrence = async (h: TestHub, elderId: string) =>
    h.store.db
      .selectFrom('welfare_occurrences')
      .selectAll()
      .where('elder_id', '=', elderId)
      .executeTakeFirstOrThrow();
  /** Who sees the open welfare alerts: the elders each specialist is shown. */
  const seenBy = async (h: TestHub, username: string, password: string) => {
    const token = await h.login(username, password);
    const res = await h.app.inject({ url: '/api/v1/alerts?status=open', headers: h.as(token) });
    return (res.json().alerts as Json[]).filter((a) => a.kind === 'welfare_check').map((a) => a.elder_id);
  };

  it('[WELFARE-NO-DEVICE] a missed check-in of an elder whose only watch was handed on within the wait raises for her, in her unit, and the new wearer’s answer does not count for her', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    await schedule(h, 'e-0002', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    await tickAt(h, c, local('09:00'));
    const sent = await occurrence(h, 'e-0002');
    expect(sent).toMatchObject({ device_id: 'w-0002', sent_at: local('09:00') });

    // Within the wait, 李桂兰's (梅林) only watch goes to 王秀英 (景田), who presses confirm on it.
    const moved = await h.putDistrict(
      districtWith({ 'e-0001': ['w-0001', 'r-0001', 'w-0002'], 'e-0002': [] }),
    );
    expect(moved.statusCode, JSON.stringify(moved.body)).toBe(200);
    await answer(h, 'w-0002', 'e-0001', sent.id, local('09:05'));
    expect(await occurrence(h, 'e-0002')).toMatchObject({ status: 'pending', acknowledged_at: null });

    await tickAt(h, c, local('09:10') + 1000);
    expect(await welfareAlerts(h)).toEqual(['e-0002']);
    const [alert] = await h.store.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'welfare_check')
      .execute();
    // Her unit, as an alert raised through her watch would have had; the watch is someone else's now.
    expect(alert).toMatchObject({ elder_id: 'e-0002', org_unit_id: 'meilin', device_id: null });
    expect(await seenBy(h, 'spec-meilin', 'spec-password-2')).toEqual(['e-0002']);
    expect(await seenBy(h, 'spec-jingtian', 'spec-password-1')).toEqual([]);
    expect(await occurrence(h, 'e-0002')).toMatchObject({
      status: 'missed',
      alerted_at: local('09:10') + 1000,
    });
  }, 60_000);

  it('[WELFARE-MOVED-WATCH] a check-in not sent yet when its watch is revoked or handed on goes to the elder’s watch now, or, with none, nowhere: its wait runs and it raises for her', async () => {
    const c = clock(local('08:58'));
    const h = await start(c.now);
    await schedule(h, 'e-0001', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    await schedule(h, 'e-0002', { kind: 'check_in', time: '09:00', wait_minutes: 10 });
    // The broker is down at 09:00: both are taken, neither sent.
    const sends: Array<[string, string]> = [];
    let down = true;
    vi.spyOn(h.gateway, 'sendCommand').mockImplementation(async (deviceId, _command, commandId) => {
      if (down) throw new Error('broker unreachable');
      sends.push([deviceId, String(commandId)]);
      return undefined as never;
    });
    await tickAt(h, c, local('09:00'));
    const wang = await occurrence(h, 'e-0001');
    const li = await occurrence(h, 'e-0002');
    expect([wang.device_id, li.device_id, wang.sent_at, li.sent_at]).toEqual([
      'w-0001',
      'w-0002',
      null,
      null,
    ]);

    // Meanwhile 王秀英's watch is revoked (lost) and 李桂兰's goes to 王秀英: 李桂兰 has none.
    const moved = await h.putDistrict(
      districtWith({ 'e-0001': ['w-0001', 'r-0001', 'w-0002'], 'e-0002': [] }),
    );
    expect(moved.statusCode, JSON.stringify(moved.body)).toBe(200);
    const revoked = await h.app.inject({
      method: 'POST',
      url: '/api/v1/devices/w-0001/revoke',
      headers: h.as(h.adminToken),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    down = false;
    await tickAt(h, c, local('09:01'));
    expect(sends, 'only 王秀英’s check-in, on her watch now').toEqual([['w-0002', wang.id]]);
    expect(await occurrence(h, 'e-0001')).toMatchObject({ device_id: 'w-0002', sent_at: local('09:01') });
    expect(await occurrence(h, 'e-0002')).toMatchObject({
      device_id: null,
      sent_at: null,
      deadline_at: local('09:11'),
      status: 'pending',
    });

    // 王秀英 answers hers on w-0002; 李桂兰's prompt never reached it, and nothing answers it.
    await answer(h, 'w-0002', 'e-0001', wang.id, local('09:02'));
    await answer(h, 'w-0002', 'e-0001', li.id, local('09:02'));
    await tickAt(h, c, local('09:11') + 1000);
    expect(await occurrence(h, 'e-0001')).toMatchObject({ status: 'acknowledged' });
    expect(await occurrence(h, 'e-0002')).toMatchObject({
      status: 'missed',
      alerted_at: local('09:11') + 1000,
    });
    expect(await welfareAlerts(h)).toEqual(['e-0002']);
    expect(sends).toHaveLength(1);
  }, 60_000);
});
