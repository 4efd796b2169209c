import { afterEach, describe, expect, it } from 'vitest';
import { dayEndsAt, districtDay } from '../kernel/calendar-day.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { ResponderApp } from './support/responder-app.js';
import { pressSos } from './support/sos-answered.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/** Near 王秀英's home in 景田 (e-0001), where the SOS comes from. */
const near = { lat: 22.5533, lon: 114.0412 };

const application = (over: Record<string, unknown> = {}) => ({
  name: '陈志明',
  phone: '138 0013 8000',
  community: 'jingtian',
  age_group: 'senior',
  skills: ['first_aid', 'visiting'],
  first_aid_certificate: { number: 'HJ-2026-0117', expires_on: '2099-12-31' },
  username: 'chen-zm',
  password: 'chen-password-1',
  ...over,
});

describe.each(dialects)('volunteer sign-up and vetting on %s', (dialect) => {
  let hub: TestHub;
  const phones: ResponderApp[] = [];
  afterEach(async () => {
    for (const phone of phones) phone.close();
    phones.length = 0;
    await hub.stop();
  });

  async function start(options: Parameters<typeof startTestHub>[0] = {}) {
    hub = await startTestHub({ dialect, ...options });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  }
  const signUp = (body: unknown, remoteAddress = '10.0.0.1') =>
    hub.app.inject({
      method: 'POST',
      url: '/api/v1/volunteers/applications',
      payload: body as object,
      remoteAddress,
    });
  const as = async (username: string, password: string) => hub.as(await hub.login(username, password));
  const decide = async (id: string, headers: Record<string, string>, refusal?: string) =>
    hub.app.inject({
      method: 'POST',
      url: `/api/v1/volunteers/applications/${id}/${refusal ? 'refuse' : 'approve'}`,
      headers,
      ...(refusal ? { payload: { reason: refusal } } : {}),
    });
  const loginStatus = async (username: string, password: string) =>
    (await hub.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } }))
      .statusCode;
  const auditOf = async (action: string) =>
    (
      (
        await hub.app.inject({ url: `/api/v1/audit?action=${action}`, headers: hub.as(hub.adminToken) })
      ).json() as Json
    ).entries;
  async function onDuty(username: string, password: string) {
    const phone = await ResponderApp.open(hub.addresses.http, await hub.login(username, password));
    phones.push(phone);
    await phone.onDutyAt(near.lat, near.lon);
    return phone;
  }

  it('[VOLUNTEER-SIGN-UP-TO-OFFER] a sign-up goes from application to approved login to a first offer, and a district re-PUT keeps the volunteer', async () => {
    await start();
    const communities = await hub.app.inject({ url: '/api/v1/volunteers/communities' });
    expect(communities.json().communities).toEqual([
      { id: 'jingtian', name: '景田社区', street: '莲花街道' },
      { id: 'meilin', name: '梅林社区', street: '莲花街道' },
    ]);
    const applied = await signUp(application());
    expect(applied.statusCode, applied.body).toBe(201);
    const id = applied.json().id as string;
    expect(applied.json()).toMatchObject({
      status: 'pending',
      phone: '13800138000',
      org_unit_id: 'jingtian',
    });
    expect(applied.body).not.toContain('chen-password-1');
    // No login while the application waits.
    expect(await loginStatus('chen-zm', 'chen-password-1')).toBe(401);

    const jingtian = await as('spec-jingtian', 'spec-password-1');
    const meilin = await as('spec-meilin', 'spec-password-2');
    const pending = (h: Record<string, string>) =>
      hub.app
        .inject({ url: '/api/v1/volunteers/applications', headers: h })
        .then((r) => r.json().applications as Json[]);
    expect((await pending(jingtian)).map((a) => a.id)).toEqual([id]);
    expect(await pending(meilin)).toEqual([]);

    const approved = await decide(id, jingtian);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decided_by: 'spec-jingtian' });
    expect(await pending(jingtian)).toEqual([]);
    expect(await auditOf('volunteer_approved')).toEqual([
      expect.objectContaining({
        actor: 'spec-jingtian',
        elder_id: 'chen-zm',
        target: id,
        org_unit_id: 'jingtian',
      }),
    ]);
    // The district document is applied again (as an office does routinely): it upserts, the volunteer stays.
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);

    const me = await hub.app.inject({
      url: '/api/v1/auth/me',
      headers: await as('chen-zm', 'chen-password-1'),
    });
    expect(me.json()).toMatchObject({
      username: 'chen-zm',
      role: 'responder',
      org_unit_id: 'jingtian',
      name: '陈志明',
    });
    const phone = await onDuty('chen-zm', 'chen-password-1');
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'sos-first-offer');
    const offers = await until(
      async () => phone.offers.length,
      (n) => n > 0,
      10_000,
    );
    expect(offers, 'the approved volunteer got no offer for an SOS 20 m away').toBe(1);
    expect(phone.offers[0]).toMatchObject({ kind: 'sos', severity: 'critical' });
  });

  it('[VOLUNTEER-CERT-GIVES-SKILL] one approved without first aid is offered no SOS; once a specialist records a certificate, the next SOS is offered', async () => {
    await start();
    const jingtian = await as('spec-jingtian', 'spec-password-1');
    const { first_aid_certificate: _, ...withoutFirstAid } = application({ skills: ['visiting'] });
    const applied = await signUp(withoutFirstAid);
    expect(applied.statusCode, applied.body).toBe(201);
    expect((await decide(applied.json().id, jingtian)).statusCode).toBe(200);
    const phone = await onDuty('chen-zm', 'chen-password-1');
    // v-0001 (a first-aider) is away: the SOS's ladder finds only the new volunteer nearby.
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'sos-no-first-aid');
    await new Promise((r) => setTimeout(r, 1500));
    expect(phone.offers, 'a critical SOS needs first aid').toEqual([]);
    // Closed, so that the next press is a new alert with a ladder of its own.
    const [open] = await hub.store.db
      .selectFrom('alerts')
      .select('id')
      .where('status', '=', 'open')
      .execute();
    const closed = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${open!.id}/resolve`,
      headers: jingtian,
      payload: { outcome: 'false_alarm' },
    });
    expect(closed.statusCode, closed.body).toBe(200);

    const recorded = await hub.app.inject({
      method: 'PUT',
      url: '/api/v1/volunteers/chen-zm/certificate',
      headers: jingtian,
      payload: { number: 'HJ-2026-0300', expires_on: '2099-12-31' },
    });
    expect(recorded.statusCode, recorded.body).toBe(204);
    const listed = (await hub.app.inject({ url: '/api/v1/volunteers', headers: jingtian })).json();
    expect(listed.volunteers.find((v: Json) => v.id === 'chen-zm').skills).toEqual(['visiting', 'first_aid']);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'sos-with-first-aid');
    const offers = await until(
      async () => phone.offers.length,
      (n) => n > 0,
      10_000,
    );
    expect(offers, 'offered once the certificate is recorded').toBe(1);
  });

  it('[VOLUNTEER-CERT-EXPIRES] an expired first-aid certificate stops first-aid offers at the next alert, without a restart', async () => {
    let shift = 0;
    const now = () => Date.now() + shift;
    await start({ now, config: { tokenTtlHours: 72 } });
    const today = districtDay(now());
    const doc = smallDistrict();
    // A second home in 景田, so that a second SOS is a second alert.
    doc.elders!.push({
      id: 'e-0003',
      name: '赵淑珍',
      org_unit: 'jingtian',
      address: '景田北一街 5 栋 101',
      location: { lat: 22.5531, lon: 114.0413 },
      devices: [{ id: 'w-0003', type: 'watch', secret: 'watch-secret-0003' }],
    });
    expect((await hub.putDistrict(doc)).statusCode).toBe(200);
    const applied = await signUp(
      application({ first_aid_certificate: { number: 'HJ-1', expires_on: today } }),
    );
    expect(applied.statusCode, applied.body).toBe(201);
    expect((await decide(applied.json().id, await as('spec-jingtian', 'spec-password-1'))).statusCode).toBe(
      200,
    );

    const volunteer = await onDuty('chen-zm', 'chen-password-1');
    // v-0001 of the document: first aid without a certificate, near too.
    const other = await onDuty('v-0001', 'volunteer-password');
    await pressSos(hub, 'w-0001', 'watch-secret-0001', 'sos-valid');
    expect(
      await until(
        async () => volunteer.offers.length,
        (n) => n > 0,
        10_000,
      ),
    ).toBe(1);

    // Past the certificate's last day, with no reload and no restart.
    shift = dayEndsAt(today) - Date.now() + 60_000;
    await pressSos(hub, 'w-0003', 'watch-secret-0003', 'sos-expired');
    // Found by her, not by the order of offers: past the day the first alert's offers have
    // expired too, and its next step may offer it again to the other volunteer first.
    const secondAlert = await until(
      async () =>
        (
          await hub.store.db
            .selectFrom('alerts')
            .select('id')
            .where('elder_id', '=', 'e-0003')
            .executeTakeFirst()
        )?.id,
      (id) => id !== undefined && other.offers.some((o) => o.alert_id === id),
      10_000,
    );
    expect(
      other.offers.map((o) => o.alert_id),
      'the second SOS reached the volunteer who holds no certificate-backed skill',
    ).toContain(secondAlert);
    await new Promise((r) => setTimeout(r, 300));
    expect(volunteer.offers.map((o) => o.alert_id)).not.toContain(secondAlert);

    const list = await hub.app.inject({
      url: '/api/v1/volunteers',
      headers: await as('spec-jingtian', 'spec-password-1'),
    });
    expect(list.json().volunteers.find((v: Json) => v.id === 'chen-zm').certificates).toEqual([
      { skill: 'first_aid', number: 'HJ-1', expires_on: today, expired: true },
    ]);
    // The volunteer's own view says so too.
    const mine = await hub.app.inject({
      url: '/api/v1/service-orders/mine',
      headers: await as('chen-zm', 'chen-password-1'),
    });
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().certificates).toEqual([
      { skill: 'first_aid', number: 'HJ-1', expires_on: today, expired: true },
    ]);
  });

  it('[VOLUNTEER-REFUSED] a refused application gives no login; the refusal says why and is audited', async () => {
    await start();
    const id = (await signUp(application())).json().id as string;
    const jingtian = await as('spec-jingtian', 'spec-password-1');
    const noReason = await decide(id, jingtian, ' ');
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().issues).toContainEqual({ path: 'reason', message: 'must say why' });
    const refused = await decide(id, jingtian, '急救证无法核实');
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ status: 'refused', refusal_reason: '急救证无法核实' });
    expect(await loginStatus('chen-zm', 'chen-password-1')).toBe(401);
    expect(
      await hub.store.db.selectFrom('responders').select('id').where('id', '=', 'chen-zm').execute(),
    ).toEqual([]);
    const again = await decide(id, jingtian);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'already_decided' });
    expect(await loginStatus('chen-zm', 'chen-password-1')).toBe(401);
    expect(await auditOf('volunteer_refused')).toEqual([
      expect.objectContaining({ actor: 'spec-jingtian', target: id, detail: { reason: '急救证无法核实' } }),
    ]);
  });

  it('[VOLUNTEER-SCOPE] a specialist of another community cannot see, approve or refuse an application; a responder cannot at all', async () => {
    await start();
    const id = (await signUp(application())).json().id as string;
    const meilin = await as('spec-meilin', 'spec-password-2');
    for (const refusal of [undefined, '不认识']) {
      const answer = await decide(id, meilin, refusal);
      expect(answer.statusCode).toBe(404);
      expect(answer.json()).toEqual({ error: 'not_found', message: `no application ${id} in your org unit` });
    }
    const volunteer = await decide(id, await as('v-0001', 'volunteer-password'));
    expect(volunteer.statusCode).toBe(403);
    expect(volunteer.json().error).toBe('forbidden');
    const training = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/volunteers/v-0001/trainings',
      headers: meilin,
      payload: { course: '心肺复苏', taken_on: '2026-03-01' },
    });
    expect(training.statusCode).toBe(404);
    expect(training.json().message).toBe('no volunteer v-0001 in your org unit');
    expect(await loginStatus('chen-zm', 'chen-password-1')).toBe(401);
    const row = await hub.store.db
      .selectFrom('volunteer_applications')
      .select('status')
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
  });

  it('[VOLUNTEER-BAD-INPUT] bad sign-ups get 400 naming each bad entry, and nothing is stored', async () => {
    await start();
    const cases: Array<[Record<string, unknown>, { path: string; message: RegExp }]> = [
      [{ name: '' }, { path: 'name', message: /at least 1|too small/i }],
      [{ phone: 'call me' }, { path: 'phone', message: /must be a phone number/ }],
      [{ age_group: 'old' }, { path: 'age_group', message: /senior|middle|young/ }],
      [{ skills: ['juggling'] }, { path: 'skills[0]', message: /first_aid/ }],
      [
        { first_aid_certificate: undefined },
        { path: 'first_aid_certificate', message: /first aid needs a certificate/ },
      ],
      [
        { first_aid_certificate: { number: 'HJ-1', expires_on: '2026-02-30' } },
        { path: 'first_aid_certificate.expires_on', message: /real calendar day/ },
      ],
      [
        { first_aid_certificate: { number: 'HJ-1', expires_on: '2001-01-01' } },
        { path: 'first_aid_certificate.expires_on', message: /the certificate has expired/ },
      ],
      [{ community: 'lianhua' }, { path: 'community', message: /no community lianhua/ }],
      [{ username: '-bad name' }, { path: 'username', message: /letters, digits/ }],
      [{ password: 'short' }, { path: 'password', message: /at least 8 characters/ }],
    ];
    for (const [i, [change, issue]] of cases.entries()) {
      const answer = await signUp(application({ phone: `1390000${String(i).padStart(4, '0')}`, ...change }));
      expect(answer.statusCode, JSON.stringify(change)).toBe(400);
      const issues = answer.json().issues as Array<{ path: string; message: string }>;
      expect(
        issues.find((i) => i.path === issue.path)?.message,
        `${JSON.stringify(change)}: ${answer.body}`,
      ).toMatch(issue.message);
    }
    const taken = await signUp(application({ username: 'v-0001', phone: '13900000001' }));
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'username_taken' });
    expect(await hub.store.db.selectFrom('volunteer_applications').selectAll().execute()).toEqual([]);
  });

  it('[VOLUNTEER-SIGN-UP-LIMITS] sign-ups are limited per phone number and per address, with 429 and why', async () => {
    await start({ config: { signUpsPerIpPerHour: 5, signUpsPerPhonePerDay: 3 } });
    // Per phone, from different addresses: three tries (any outcome), then refused.
    for (let i = 1; i <= 3; i++) {
      const answer = await signUp(
        application({ username: `phone-${i}`, phone: '+86 138-0013-8000' }),
        `10.0.1.${i}`,
      );
      expect(answer.statusCode, answer.body).toBe(i === 1 ? 201 : 409);
    }
    const phoneLimited = await signUp(application({ username: 'phone-4', phone: '13800138000' }), '10.0.1.4');
    expect(phoneLimited.statusCode).toBe(429);
    expect(phoneLimited.json()).toMatchObject({
      error: 'too_many_attempts',
      message: expect.stringMatching(/too many sign-ups for this phone number; try again in \d+ s/),
    });
    // Per address, over different phones.
    for (let i = 1; i <= 5; i++) {
      const answer = await signUp(application({ username: `ip-${i}`, phone: `1370000000${i}` }), '10.0.2.1');
      expect(answer.statusCode, answer.body).toBe(201);
    }
    const addressLimited = await signUp(application({ username: 'ip-6', phone: '13700000006' }), '10.0.2.1');
    expect(addressLimited.statusCode).toBe(429);
    expect(addressLimited.json()).toMatchObject({
      error: 'too_many_attempts',
      message: expect.stringMatching(/too many sign-ups from this address; try again in \d+ s/),
    });
    expect(await hub.store.db.selectFrom('volunteer_applications').select('username').execute()).toHaveLength(
      6,
    );
  });

  it('[VOLUNTEER-RECORD] a specialist records training and renews a certificate; both are listed with the volunteer and audited', async () => {
    await start();
    const jingtian = await as('spec-jingtian', 'spec-password-1');
    const post = (payload: unknown) =>
      hub.app.inject({
        method: 'POST',
        url: '/api/v1/volunteers/v-0001/trainings',
        headers: jingtian,
        payload: payload as object,
      });
    expect((await post({ course: '心肺复苏（CPR）', taken_on: '2026-03-01' })).statusCode).toBe(204);
    const future = await post({ course: '急救复训', taken_on: '2999-01-01' });
    expect(future.statusCode).toBe(400);
    expect(future.json().issues).toEqual([{ path: 'taken_on', message: 'must not be in the future' }]);
    const renewed = await hub.app.inject({
      method: 'PUT',
      url: '/api/v1/volunteers/v-0001/certificate',
      headers: jingtian,
      payload: { number: 'HJ-2027-9', expires_on: '2098-06-30' },
    });
    expect(renewed.statusCode, renewed.body).toBe(204);
    const list = await hub.app.inject({ url: '/api/v1/volunteers', headers: jingtian });
    expect(list.json().volunteers).toEqual([
      expect.objectContaining({
        id: 'v-0001',
        certificates: [{ skill: 'first_aid', number: 'HJ-2027-9', expires_on: '2098-06-30', expired: false }],
        trainings: [expect.objectContaining({ course: '心肺复苏（CPR）', taken_on: '2026-03-01' })],
      }),
    ]);
    // The volunteer sees both on the phone's 我的服务.
    const mine = await hub.app.inject({
      url: '/api/v1/service-orders/mine',
      headers: await as('v-0001', 'volunteer-password'),
    });
    expect(mine.json()).toMatchObject({
      certificates: [{ skill: 'first_aid', number: 'HJ-2027-9', expires_on: '2098-06-30', expired: false }],
      trainings: [{ course: '心肺复苏（CPR）', taken_on: '2026-03-01' }],
    });
    expect((await auditOf('volunteer_training_added')).map((e: Json) => e.elder_id)).toEqual(['v-0001']);
    expect((await auditOf('volunteer_certificate_changed')).map((e: Json) => e.elder_id)).toEqual(['v-0001']);
  });
});
