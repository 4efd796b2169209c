import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedPhone } from '../simulators/simulated-phone.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

/** The demo's phone of 李建国 (v-0001), with a person signed in as him beside it, on a hub of its own. */
describe("the demo's simulated phone beside a person", () => {
  let hub: TestHub;
  let person: ResponderApp | undefined;
  let phone: SimulatedPhone | undefined;
  let personSignedIn = false;

  beforeEach(async () => {
    // Offers last 30 s: an offer taken within seconds is taken by the phone, not a later ladder step.
    hub = await startTestHub({ config: { offerExpiryS: 30 } });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    person = await ResponderApp.open(hub.addresses.http, await hub.login('v-0001', 'volunteer-password'));
    personSignedIn = true;
    phone = new SimulatedPhone({
      baseUrl: `http://127.0.0.1:${hub.addresses.http}`,
      volunteer: { id: 'v-0001', name: '李建国', post: { lat: 22.5529, lon: 114.042 } },
      signIn: () => hub.login('v-0001', 'volunteer-password'),
      othersSignedIn: () => (personSignedIn ? 1 : 0),
      timings: { acceptMs: [50, 100], walkMs: 200, lookMs: 50 },
      random: Math.random,
      say: () => undefined,
      logger: pino({ level: 'silent' }),
    });
    await phone.start();
  });
  afterEach(async () => {
    phone?.stop();
    person?.close();
    await hub.stop();
  });

  it('[DEMO-PHONE-LEFT-OFFER] an offer the person left open is taken by the phone when they leave, and walked to', async () => {
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'left-offer-1');
    const [offer] = await until(
      async () => person!.offers,
      (o) => o.length > 0,
    );
    const steps = () => phone!.diary.filter((d) => d.alertId === offer!.alert_id).map((d) => d.step);
    // The phone stands down: the offer is the person's to answer.
    expect(
      await until(
        async () => steps(),
        (s) => s.includes('left_to_person'),
      ),
    ).toEqual(['offered', 'left_to_person']);

    // The person leaves without answering: the phone takes it (the offer has 30 s left) and goes.
    personSignedIn = false;
    person!.close();
    expect(
      await until(
        async () => steps(),
        (s) => s.includes('on_site'),
        5000,
      ),
    ).toEqual(['offered', 'left_to_person', 'accepted', 'on_site']);
    expect(await hub.dispatcher.currentTask('v-0001')).toMatchObject({
      alert_id: offer!.alert_id,
      on_site: true,
    });
  });
});
