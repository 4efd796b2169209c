import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CastTimings, DemoCast } from '../simulators/demo-cast.js';
import { demoPeople, demoSecret, demoVolunteerPassword } from '../simulators/demo-district.js';
import { seededRandom } from '../simulators/seeded-random.js';
import { adminPassword, startTestHub, type TestHub } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { until } from './support/wait.js';

/**
 * `npm run demo`'s story against a real hub and real MQTT: the demo's district and people
 * (simulated phones, the duty desk, catalog, rated order) as the demo starts them. Their short
 * waits are real; the visit's and the delivery's time moves the hub's clock (measured minutes).
 */
let hub: TestHub;
let skew = 0;
let cast: DemoCast;
const story: string[] = [];
const timings: CastTimings = {
  phone: { acceptMs: [100, 400], walkMs: 200, lookMs: 100 },
  deskDwellMs: 40_000,
  deliveryMs: 45_000,
};
const jingtianVolunteers = ['v-0001', 'v-0003', 'v-0005'];

interface AlertView {
  id: string;
  elder_id: string;
  status: string;
  assignee_id: string | null;
}
interface TimelineEntry {
  actor: string;
  to_status: string;
  code: string | null;
}

function startCast(): DemoCast {
  return new DemoCast({
    baseUrl: `http://127.0.0.1:${hub.addresses.http}`,
    adminPassword,
    signedIn: (username, exceptId) => hub.sockets.signedIn(username, exceptId),
    timings,
    serviceTime: async (ms) => {
      skew += ms;
    },
    random: seededRandom(7),
    say: (line) => story.push(line),
    logger: pino({ level: 'silent' }),
  });
}

const get = async <T>(url: string, token = hub.adminToken): Promise<T> => {
  const res = await hub.app.inject({ url, headers: hub.as(token) });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as T;
};
const balance = async (volunteerId: string) =>
  (await get<{ balance_minutes: number }>(`/api/v1/timebank/accounts/${volunteerId}?kind=volunteer`))
    .balance_minutes;
const alertsOf = async (elderId: string) =>
  (await get<{ alerts: AlertView[] }>('/api/v1/alerts?limit=100')).alerts.filter(
    (a) => a.elder_id === elderId,
  );

/** A watch of the demo presses SOS over MQTT; resolves with the alert it opened. */
async function pressSos(watch: MqttClient, deviceId: string, elderId: string): Promise<AlertView> {
  const before = new Set((await alertsOf(elderId)).map((a) => a.id));
  await watch.publishAsync(
    `care/${deviceId}/event`,
    JSON.stringify({ ts: Date.now(), event_id: `demo-sos-${before.size}`, type: 'sos' }),
    { qos: 1 },
  );
  const opened = await until(
    async () => (await alertsOf(elderId)).find((a) => !before.has(a.id)),
    (a) => a !== undefined,
  );
  expect(opened, 'the SOS opened an alert').toBeDefined();
  return opened!;
}

/** Elder `e-<n>`'s watch (`w-<n>`) connects, presses SOS and leaves; resolves with the alert it opened. */
async function sosFrom(n: string): Promise<AlertView> {
  const watch = await hub.connectDevice(`w-${n}`, demoSecret(`w-${n}`));
  const alert = await pressSos(watch, `w-${n}`, `e-${n}`);
  await watch.endAsync();
  return alert;
}

/** A person signs in to the app as the volunteer; resolves once that volunteer's simulated phone stood down. */
async function personSignedIn(volunteerId: string) {
  const token = await hub.login(volunteerId, demoVolunteerPassword);
  const person = await ResponderApp.open(hub.addresses.http, token);
  const phone = cast.phone(volunteerId);
  expect(
    await until(
      async () => phone.standingDown,
      (down) => down,
    ),
  ).toBe(true);
  return { person, phone };
}

beforeAll(async () => {
  hub = await startTestHub({ now: () => Date.now() + skew });
  cast = startCast();
  const { ratedOrder } = await cast.start();
  await ratedOrder;
}, 60_000);
afterAll(async () => {
  cast?.stop();
  await hub?.stop();
});

describe('npm run demo tells the whole story', () => {
  it('[DEMO-STORY] an SOS goes open → offered → accepted → on site → resolved and the volunteer is credited, with nobody at the keyboard', async () => {
    const before = Object.fromEntries(
      await Promise.all(jingtianVolunteers.map(async (id) => [id, await balance(id)] as const)),
    );
    const watch = await hub.connectDevice('w-0001', demoSecret('w-0001'));
    const started = Date.now();
    const alert = await pressSos(watch, 'w-0001', demoPeople.family.elderId);
    await watch.endAsync();
    const closed = await until(
      async () => (await alertsOf(demoPeople.family.elderId)).find((a) => a.id === alert.id)!,
      (a) => a.status === 'resolved',
      15_000,
    );
    expect(closed.status, story.join('\n')).toBe('resolved');
    const storyMs = Date.now() - started;

    const { timeline } = await get<{ timeline: TimelineEntry[] }>(`/api/v1/alerts/${alert.id}`);
    const steps = timeline.map((t) => t.code);
    expect(steps).toEqual(expect.arrayContaining(['opened', 'offered', 'accepted', 'checked_in', 'closed']));
    expect(steps.indexOf('offered')).toBeLessThan(steps.indexOf('accepted'));
    expect(steps.indexOf('accepted')).toBeLessThan(steps.indexOf('checked_in'));
    expect(steps.indexOf('checked_in')).toBeLessThan(steps.indexOf('closed'));
    expect(timeline.map((t) => t.to_status)).toEqual(
      expect.arrayContaining(['open', 'assigned', 'on_site', 'resolved']),
    );
    const volunteer = closed.assignee_id!;
    expect(jingtianVolunteers).toContain(volunteer);
    expect(cast.phone(volunteer).diary).toContainEqual({ alertId: alert.id, step: 'on_site' });
    // Closed by the duty desk (a specialist's act: a responder cannot close an alert).
    expect(timeline.find((t) => t.code === 'closed')?.actor).toBe(demoPeople.desk.username);

    // The credits land: 40 s on site is a measured minute, certified by the desk.
    const credited = await until(
      () => balance(volunteer),
      (b) => b > before[volunteer]!,
      5000,
    );
    expect(credited, story.join('\n')).toBeGreaterThan(before[volunteer]!);
    expect(storyMs).toBeLessThan(15_000);
    console.info(`[DEMO-STORY] SOS → resolved in ${storyMs} ms (test pace); credited ${credited} min`);

    // The family sees their elder, and her SOS.
    const familyToken = await hub.login(demoPeople.family.username, demoPeople.family.password);
    const elders = await get<{ elders: Array<{ id: string }> }>('/api/v1/elders', familyToken);
    expect(elders.elders.map((e) => e.id)).toEqual([demoPeople.family.elderId]);
    const seen = await get<{ alerts: AlertView[] }>('/api/v1/alerts', familyToken);
    expect(seen.alerts.map((a) => a.id)).toContain(alert.id);
  });

  it('[DEMO-SEED] the catalog is listed and the family’s rated delivery waits for the specialist; a restarted cast adds neither again', async () => {
    const signIn = () => hub.login(demoPeople.specialist.username, demoPeople.specialist.password);
    let specialist = await signIn();
    const waiting = async () =>
      (
        await get<{ orders: Array<{ kind: string; rating: number; measured_minutes: number }> }>(
          '/api/v1/service-orders?status=rated',
          specialist,
        )
      ).orders;
    const items = async () =>
      (
        await get<{ items: Array<{ name: string }> }>(
          '/api/v1/timebank/catalog?org_unit=jingtian',
          specialist,
        )
      ).items;
    const rated = await waiting();
    expect(rated).toHaveLength(1);
    expect(rated[0]).toMatchObject({ kind: 'meal_delivery', rating: 5, measured_minutes: 1 });
    const catalog = await items();
    expect(catalog.length).toBeGreaterThanOrEqual(5);

    // `npm run demo` again on the same store.
    cast.stop();
    cast = startCast();
    await (await cast.start()).ratedOrder;
    // Applying the document again ends its users' sessions (as any update of a user does).
    specialist = await signIn();
    expect(await waiting()).toHaveLength(1);
    expect((await items()).length).toBe(catalog.length);
  });

  it('[DEMO-PERSON] while a person is signed in as a volunteer, that volunteer’s simulated phone leaves the offer to them', async () => {
    const { person, phone } = await personSignedIn('v-0001');

    const alert = await sosFrom('0003');
    const assigned = await until(
      async () => (await alertsOf('e-0003')).find((a) => a.id === alert.id)!,
      (a) => a.assignee_id !== null,
      10_000,
    );
    // The person was offered it, did not take it; their phone did not either: another volunteer did.
    expect(person.offers.map((o) => o.alert_id)).toContain(alert.id);
    expect(assigned.assignee_id, story.join('\n')).not.toBeNull();
    expect(assigned.assignee_id).not.toBe('v-0001');
    const decided = await until(
      async () => phone.diary.filter((d) => d.alertId === alert.id).map((d) => d.step),
      (steps) => steps.length > 1,
    );
    expect(decided).toEqual(['offered', 'left_to_person']);

    // The person leaves: the phone answers again.
    person.close();
    expect(
      await until(
        async () => phone.standingDown,
        (down) => !down,
      ),
    ).toBe(false);
  });

  it('[DEMO-PERSON-LEAVES] a task the person took in the app and left is walked to by the phone: on site, as the README says', async () => {
    const { person, phone } = await personSignedIn('v-0001');
    await person.onDutyAt(22.5531, 114.0412); // at 景田社区's centre

    // Taken in the person's app as it arrives, before any simulated phone answers (they wait 100–400 ms).
    const taken = person.acceptNext();
    const alert = await sosFrom('0005');
    const { offer, answer } = await taken;
    expect(offer.alert_id, story.join('\n')).toBe(alert.id);
    expect(answer).toMatchObject({ ok: true });
    person.close();

    // The phone checks in at the door (the duty desk may close it right after: on site or later).
    const steps = await until(
      async () => phone.diary.filter((d) => d.alertId === alert.id).map((d) => d.step),
      (done) => done.includes('on_site'),
      10_000,
    );
    expect(steps, story.join('\n')).toContain('on_site');
    expect((await alertsOf('e-0005')).find((a) => a.id === alert.id)).toMatchObject({
      assignee_id: 'v-0001',
      status: expect.stringMatching(/^(on_site|resolved)$/),
    });
  });
});
