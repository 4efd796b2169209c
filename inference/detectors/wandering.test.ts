import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dialects } from '../../test/support/databases.js';
import {
  advance,
  DetectorRig,
  elderId,
  home,
  shenzhen,
  useFakeClock,
} from '../../test/support/detector-kit.js';
import { defaultWanderingRules, NightWandering, type WanderingRules } from './wandering.js';

const minute = 60_000;
/** About 1.1 km north of home. */
const away = { lat: home.lat + 0.01, lon: home.lon, accuracy_m: 15 };
const atHome = { lat: home.lat + 0.0002, lon: home.lon, accuracy_m: 15 };

describe.each(dialects)('night wandering on %s', (dialect) => {
  let rig: DetectorRig;
  let wandering: NightWandering;

  async function startWandering(rules: WanderingRules = defaultWanderingRules): Promise<NightWandering> {
    const w = new NightWandering(rig.deps(rules));
    await w.start();
    return w;
  }
  const wait = (ms: number) => advance(ms, () => wandering.idle());
  const settle = () => wandering.idle();

  beforeEach(async () => {
    useFakeClock(shenzhen(23, 30));
    rig = await DetectorRig.open(dialect);
    wandering = await startWandering();
  });
  afterEach(async () => {
    await wandering.stop();
    await rig.close();
    vi.useRealTimers();
  });

  it('[WANDER-DOOR] the door opens at 23:30 and nobody returns: wandering, high, after 10 minutes', async () => {
    await rig.event('d-0001', 'open');
    await rig.event('d-0001', 'close');
    await wait(10 * minute - 2000);
    expect(await rig.summary('wandering')).toEqual([]);
    await wait(3000);
    const [alert, ...more] = await rig.alerts('wandering');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ status: 'open', severity: 'high', device_id: 'd-0001' });
    expect(alert!.details).toMatchObject({ reason: 'door_no_return', door_id: 'd-0001' });
  });

  it('[WANDER-DOOR] the door opens at 23:30 and closes, the radar sees someone 5 minutes later: nothing', async () => {
    await rig.event('d-0001', 'open');
    await wait(3 * minute);
    await rig.event('d-0001', 'close');
    await wait(2 * minute);
    rig.send('r-0001', { presence: true, posture: 'standing' });
    await wait(15 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
  });

  it('[WANDER-DOOR] presence seen before the door closes is not a return', async () => {
    await rig.event('d-0001', 'open');
    rig.send('r-0001', { presence: true, posture: 'standing' });
    await rig.event('d-0001', 'close');
    rig.send('r-0001', { presence: false, posture: 'none' });
    await wait(11 * minute);
    expect(await rig.summary('wandering')).toEqual(['open/high']);
  });

  it('[WANDER-DOOR] the door opening in the afternoon is no wandering', async () => {
    vi.setSystemTime(shenzhen(15, 0));
    await rig.event('d-0001', 'open');
    await rig.event('d-0001', 'close');
    await wait(30 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
  });

  it('[WANDER-FENCE] the watch 1 km from home at night raises at once; back inside the fence it resolves', async () => {
    vi.setSystemTime(shenzhen(1, 0, 1));
    rig.send('w-0001', { location: away });
    await settle();
    const [alert] = await rig.alerts('wandering');
    expect(alert).toMatchObject({ status: 'open', severity: 'high', device_id: 'w-0001' });
    expect(alert!.details).toMatchObject({ reason: 'left_geofence', geofence_radius_m: 300 });
    expect(alert!.details.distance_m).toBeGreaterThan(1000);
    await wait(20 * minute);
    rig.send('w-0001', { location: away }); // still away: the alert is not written again
    await settle();
    expect((await rig.alerts('wandering'))[0]!.details.repeats).toBeUndefined();
    rig.send('w-0001', { location: atHome });
    await settle();
    expect(await rig.summary('wandering')).toEqual(['resolved/high/returned_home']);
  });

  it('[WANDER-FENCE] outside the fence by day, or a fix too inaccurate to tell, raises nothing', async () => {
    vi.setSystemTime(shenzhen(14, 0));
    rig.send('w-0001', { location: away });
    vi.setSystemTime(shenzhen(23, 45));
    rig.send('w-0001', { location: { ...atHome, lat: home.lat + 0.004, accuracy_m: 2000 } });
    await wait(5000);
    expect(await rig.summary('wandering')).toEqual([]);
  });

  it('[WANDER-CLEAR] after the door alert, the door closing and the radar seeing someone resolves it', async () => {
    await rig.event('d-0001', 'open');
    await wait(11 * minute);
    rig.send('r-0001', { presence: true, posture: 'standing' }); // the door never closed: not a return
    await settle();
    expect(await rig.summary('wandering')).toEqual(['open/high']);
    await rig.event('d-0001', 'close');
    await wait(3000);
    expect(await rig.summary('wandering')).toEqual(['open/high']);
    rig.send('r-0001', { presence: true, posture: 'standing' });
    await settle();
    expect(await rig.summary('wandering')).toEqual(['resolved/high/returned_home']);
  });

  it('[WANDER-CLEAR] the watch found outside after the door alert adds where; its return resolves it', async () => {
    await rig.event('d-0001', 'open');
    await wait(11 * minute);
    rig.send('w-0001', { location: atHome }); // never left the fence: not a return (left without it?)
    await settle();
    expect(await rig.summary('wandering')).toEqual(['open/high']);
    rig.send('w-0001', { location: away });
    await settle();
    const [alert] = await rig.alerts('wandering');
    expect(alert!.details).toMatchObject({
      reason: 'door_no_return',
      location: { lat: away.lat },
      repeats: 1,
    });
    rig.send('w-0001', { location: atHome });
    await settle();
    expect(await rig.summary('wandering')).toEqual(['resolved/high/returned_home']);
  });

  // Quiet hours from 01:00 given either way: in the rules at start, or stored and applied at a reload.
  it.each([
    [
      '[WANDER-PERSON] a person’s own quiet hours (from 01:00) in the rules replace the default',
      async () => {
        await wandering.stop();
        wandering = await startWandering({
          ...defaultWanderingRules,
          perElder: { [elderId]: { quietHours: { startHour: 1, endHour: 5, utcOffsetMinutes: 480 } } },
        });
      },
    ],
    [
      '[WANDER-SETTINGS] the elder’s stored quiet hours (from 01:00) apply at the next reload, without a restart',
      async () => {
        await rig.setting('quiet_start_hour', 1);
        await wandering.reload();
      },
    ],
  ])('%s', async (_name, fromOne) => {
    await fromOne();
    await rig.event('d-0001', 'open');
    await wait(15 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
    vi.setSystemTime(shenzhen(1, 30, 1));
    await rig.event('d-0001', 'open');
    await wait(11 * minute);
    expect(await rig.summary('wandering')).toEqual(['open/high']);
  });

  it('[WANDER-SETTINGS] a stored fence of 2 km: a watch 1.1 km away at night is inside it', async () => {
    await rig.setting('geofence_radius_m', 2000);
    await wandering.reload();
    rig.send('w-0001', { location: away });
    await wait(5 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
  });

  it('[WANDER-RESTART] an open wandering alert is not raised twice across stop()/start(); presence then clears it', async () => {
    await rig.event('d-0001', 'open');
    await rig.event('d-0001', 'close');
    await wait(11 * minute);
    await wandering.stop();
    await advance(5 * minute, async () => undefined, { stepMs: minute });
    wandering = await startWandering();
    await wait(15 * minute);
    const [alert, ...more] = await rig.alerts('wandering');
    expect(more).toEqual([]);
    expect(alert!.details.repeats).toBeUndefined();
    // What the door did while the hub was down is unknown: someone seen at home is the return.
    rig.send('r-0001', { presence: true, posture: 'sitting' });
    await settle();
    expect(await rig.summary('wandering')).toEqual(['resolved/high/returned_home']);
  });

  it('[WANDER-RESTART] a door opened just before a restart is still followed after it (from the stored events)', async () => {
    await rig.event('d-0001', 'open');
    await wait(4 * minute);
    await wandering.stop();
    await advance(minute, async () => undefined, { stepMs: minute });
    wandering = await startWandering();
    rig.send('r-0001', { presence: false, posture: 'none' });
    await wait(4 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
    await wait(2 * minute);
    expect(await rig.summary('wandering')).toEqual(['open/high']);
  });

  it('[WANDER-CRASH] a door opened a minute before the hub was killed (no minute rollup written yet) still raises after the restart', async () => {
    await rig.event('d-0001', 'open'); // stored before its PUBACK, as ingest does
    await wait(minute);
    await wandering.stop(); // killed: nothing else of that minute was kept
    await advance(minute, async () => undefined, { stepMs: minute });
    wandering = await startWandering();
    rig.send('r-0001', { presence: false, posture: 'none' });
    await wait(7 * minute);
    expect(await rig.summary('wandering')).toEqual([]);
    await wait(2 * minute);
    expect(await rig.summary('wandering')).toEqual(['open/high']);
  });

  it('[WANDER-RAISE-FAILS] a door alert the store refused for a minute (reconciled meanwhile) is raised once the store takes it', async () => {
    await wandering.stop();
    const deps = rig.deps(defaultWanderingRules);
    const raise = vi.spyOn(deps.alerts, 'raise').mockRejectedValue(new Error('store away'));
    wandering = new NightWandering(deps);
    await wandering.start();
    await rig.event('d-0001', 'open');
    await wait(11 * minute); // the return window ran out at 10 minutes; reconciled once a minute
    expect(raise).toHaveBeenCalled();
    expect(await rig.summary('wandering')).toEqual([]);
    raise.mockRestore();
    await wait(2000);
    const [alert, ...more] = await rig.alerts('wandering');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ status: 'open', severity: 'high', details: { reason: 'door_no_return' } });
  });

  it('[WANDER-RELOAD] after the district moves the elder’s home, reload() moves the fence', async () => {
    await rig.store.db
      .updateTable('elders')
      .set({ lat: away.lat, lon: away.lon })
      .where('id', '=', elderId)
      .execute();
    await rig.district.refresh('document');
    await wandering.reload();
    rig.send('w-0001', { location: away });
    await settle();
    expect(await rig.summary('wandering')).toEqual([]);
    rig.send('w-0001', { location: atHome });
    await settle();
    expect(await rig.summary('wandering')).toEqual(['open/high']);
  });
});
