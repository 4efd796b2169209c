import { afterEach, describe, expect, it } from 'vitest';
import type { CareRecordChangeInput } from '../registry/care-record.js';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { openSos } from './support/open-sos.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/** 王秀英's record as her community registered it: two contacts, the second holds a key. */
const wangRecord = {
  phone: '0755-83001234',
  birth_date: '1938-04-12',
  lives_alone: true,
  contacts: [
    { name: '王建华', relation: 'child', phone: '13800138000', username: 'family-wang' },
    { name: '刘阿姨', relation: 'neighbour', phone: '13900139000', has_key: true },
  ],
  conditions: ['高血压', '糖尿病'],
  medicines: ['二甲双胍'],
  allergies: ['青霉素'],
  mobility: 'walking_aid',
  language: '潮汕话',
  access_notes: '钥匙盒在门口电表箱，密码 2580',
  preferred_hospital: '福田区人民医院',
  consent: { care_record: true, share_with_responders: true, contact_family: true },
} satisfies CareRecordChangeInput;

describe.each(dialects)('the care record on %s', (dialect) => {
  let hub: TestHub;
  afterEach(async () => {
    await hub?.stop();
  });

  /** The small district with 王秀英's record, her son's family login (another unit) and a stranger's. */
  async function district() {
    hub = await startTestHub({ dialect });
    const doc = smallDistrict();
    doc.org_units = [
      ...doc.org_units!,
      { id: 'wang-son', name: '王建华家', level: 'family', parent: 'meilin' },
      { id: 'zhao', name: '赵家', level: 'family', parent: 'jingtian' },
    ];
    doc.elders = [{ ...doc.elders![0]!, ...wangRecord }, doc.elders![1]!];
    doc.users = [
      ...doc.users!,
      { username: 'family-wang', password: 'family-password', role: 'family', org_unit: 'wang-son' },
      { username: 'family-zhao', password: 'family-password', role: 'family', org_unit: 'zhao' },
    ];
    const put = await hub.putDistrict(doc);
    expect(put.statusCode, JSON.stringify(put.body)).toBe(200);
    return doc;
  }
  const token = (username: string, password: string) => hub.login(username, password);
  const get = (url: string, t: string) => hub.app.inject({ url, headers: hub.as(t) });
  const patch = (url: string, t: string, payload: object) =>
    hub.app.inject({ method: 'PATCH', url, headers: hub.as(t), payload });
  const post = (url: string, t: string, payload: object = {}) =>
    hub.app.inject({ method: 'POST', url, headers: hub.as(t), payload });
  const specialist = () => token('spec-jingtian', 'spec-password-1');

  it('[RECORD-DOCUMENT] the district document carries the record; a later document changes only the fields it names', async () => {
    const doc = await district();
    const read = await get('/api/v1/elders/e-0001', await specialist());
    expect(read.statusCode, read.body).toBe(200);
    const record = read.json() as Json;
    expect(record).toMatchObject({
      view: 'full',
      id: 'e-0001',
      name: '王秀英',
      ...wangRecord,
      updated_by: 'admin',
    });
    expect(record.contacts.map((c: Json) => [c.name, c.has_key])).toEqual([
      ['王建华', false],
      ['刘阿姨', true],
    ]);
    // A routine re-import of the registry (no care fields) keeps the record; one field given changes that one.
    const { contacts: _c, access_notes: _a, ...bare } = { ...doc.elders![0]! } as Json;
    for (const key of Object.keys(wangRecord)) delete bare[key];
    expect((await hub.putDistrict({ elders: [bare] })).statusCode).toBe(200);
    expect(
      (await hub.putDistrict({ elders: [{ ...bare, access_notes: '门卫处有备用钥匙' }] })).statusCode,
    ).toBe(200);
    const after = (await get('/api/v1/elders/e-0001', await specialist())).json() as Json;
    expect(after).toMatchObject({ ...wangRecord, access_notes: '门卫处有备用钥匙' });
    // An elder never given a record reads as an empty one.
    const other = (await get('/api/v1/elders/e-0002', await token('spec-meilin', 'spec-password-2'))).json();
    expect(other).toMatchObject({ phone: null, contacts: [], lives_alone: null, updated_at: null });
  });

  it("[QUEUE-AGE] the alert queue carries the elder's birth date from the record, and follows a change of it", async () => {
    await district();
    const id = await openSos(hub.store.db);
    const t = await specialist();
    const birthDateOf = async () =>
      ((await get('/api/v1/alerts?status=open', t)).json().alerts as Json[]).find((a) => a.id === id)
        ?.elder_birth_date;
    expect(await birthDateOf()).toBe('1938-04-12');
    expect((await patch('/api/v1/elders/e-0001', t, { birth_date: '1939-01-02' })).statusCode).toBe(200);
    expect(await birthDateOf()).toBe('1939-01-02');
    // An elder without a record: none, not a guess.
    const other = await openSos(hub.store.db, { id: 'e-0002', orgUnitId: 'meilin' });
    const admin = hub.adminToken;
    const all = (await get('/api/v1/alerts?status=open', admin)).json().alerts as Json[];
    expect(all.find((a) => a.id === other)?.elder_birth_date).toBeNull();
  });

  it('[RECORD-VALIDATION] a bad field is answered 400 naming it, and the stored record stays as it was', async () => {
    const doc = await district();
    const spec = await specialist();
    const before = (await get('/api/v1/elders/e-0001', spec)).json() as Json;
    const refusals: Array<[object, string]> = [
      [
        { contacts: [wangRecord.contacts[0], { ...wangRecord.contacts[1], phone: '请打电话' }] },
        'contacts[1].phone',
      ],
      [{ birth_date: '1938-02-30' }, 'birth_date'],
      [{ birth_date: '2999-01-01' }, 'birth_date'],
      [{ mobility: 'flying' }, 'mobility'],
      [{ lives_alone: 'yes' }, 'lives_alone'],
      [{ contacts: [{ ...wangRecord.contacts[0], relation: '儿子' }] }, 'contacts[0].relation'],
      [{ contacts: [{ ...wangRecord.contacts[0], username: 'spec-meilin' }] }, 'contacts[0].username'],
      [{ blood_type: 'A' }, '(root)'],
    ];
    for (const [body, path] of refusals) {
      const res = await patch('/api/v1/elders/e-0001', spec, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        (res.json() as Json).issues.map((i: Json) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    // In a district document the path names the elder too, and nothing of the document is written.
    const bad = {
      ...doc.elders![0]!,
      contacts: [{ name: '王建华', relation: 'child' as const, phone: 'x' }],
      name: '改名',
    };
    const put = await hub.putDistrict({ elders: [bad] });
    expect(put.statusCode).toBe(400);
    expect(put.body.issues.map((i: Json) => i.path)).toContain('elders[0].contacts[0].phone');
    const after = (await get('/api/v1/elders/e-0001', spec)).json() as Json;
    expect(after).toEqual(before);
    // A good change: the fields named change, the others stay; `null` clears.
    const changed = await patch('/api/v1/elders/e-0001', spec, { allergies: [], preferred_hospital: null });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      ...wangRecord,
      allergies: [],
      preferred_hospital: null,
      updated_by: 'spec-jingtian',
    });
  });

  it('[RECORD-SCOPE] staff of the unit and the family see the whole record; a linked family of another unit too; others get 404', async () => {
    await district();
    const full = async (t: string) => {
      const res = await get('/api/v1/elders/e-0001', t);
      return res.statusCode === 200
        ? (res.json() as Json).view
        : `${res.statusCode} ${(res.json() as Json).message}`;
    };
    expect(await full(await specialist())).toBe('full');
    expect(await full(await token('admin-lianhua', 'admin-password-2'))).toBe('full');
    // The son's family login sits in another community: the explicit link lets him see his mother's record.
    expect(await full(await token('family-wang', 'family-password'))).toBe('full');
    expect(await full(await token('spec-meilin', 'spec-password-2'))).toBe(
      '404 no elder e-0001 in your org unit',
    );
    expect(await full(await token('family-zhao', 'family-password'))).toBe(
      '404 no elder e-0001 in your org unit',
    );
    // Only staff change it.
    const son = await token('family-wang', 'family-password');
    expect((await patch('/api/v1/elders/e-0001', son, { phone: '13700137000' })).statusCode).toBe(403);
    // The link goes with the contact: dropped from the list, the son no longer sees the record.
    const spec = await specialist();
    expect(
      (await patch('/api/v1/elders/e-0001', spec, { contacts: [wangRecord.contacts[1]] })).statusCode,
    ).toBe(200);
    expect(await full(son)).toBe('404 no elder e-0001 in your org unit');
  });

  it('[RECORD-RESPONDER] a responder sees access notes and on-site facts only while assigned, and only with consent', async () => {
    await district();
    const volunteer = await token('v-0001', 'volunteer-password');
    const spec = await specialist();
    const alertId = await openSos(hub.store.db);
    const read = () => get(`/api/v1/elders/e-0001?alert=${alertId}`, volunteer);
    expect((await read()).json()).toMatchObject({
      error: 'not_found',
      message: 'no elder e-0001 among your tasks',
    });
    expect(
      (await post(`/api/v1/alerts/${alertId}/assign`, spec, { responder_id: 'v-0001' })).statusCode,
    ).toBe(200);
    const onSite = await read();
    expect(onSite.statusCode, onSite.body).toBe(200);
    const view = onSite.json() as Json;
    expect(view).toMatchObject({
      view: 'on_site',
      name: '王秀英',
      access_notes: wangRecord.access_notes,
      keyholders: [{ name: '刘阿姨', relation: 'neighbour', phone: '13900139000' }],
      mobility: 'walking_aid',
      allergies: ['青霉素'],
      withheld: false,
    });
    // Not the elder's phone, birth date, consent or the other contacts.
    for (const hidden of ['phone', 'birth_date', 'contacts', 'consent', 'preferred_hospital'])
      expect(view, hidden).not.toHaveProperty(hidden);
    expect(onSite.body).not.toContain('13800138000');
    // Without the elder's consent the assigned responder gets the task's name and address, no more.
    await patch('/api/v1/elders/e-0001', spec, {
      consent: { ...wangRecord.consent, share_with_responders: false },
    });
    expect((await read()).json()).toMatchObject({
      withheld: true,
      access_notes: null,
      keyholders: [],
      allergies: [],
    });
    // Closed: the task ends, and with it the responder's view.
    expect(
      (await post(`/api/v1/alerts/${alertId}/resolve`, spec, { outcome: 'help_given' })).statusCode,
    ).toBe(200);
    expect((await read()).statusCode).toBe(404);
  });

  it('[RECORD-AUDIT] every read of a record is in the audit log (who, when, which view, for which alert); a change names its fields, never their values', async () => {
    await district();
    const spec = await specialist();
    const alertId = await openSos(hub.store.db);
    const since = Date.now();
    expect((await get(`/api/v1/elders/e-0001?alert=${alertId}`, spec)).statusCode).toBe(200);
    expect(
      (await get('/api/v1/elders/e-0001', await token('family-wang', 'family-password'))).statusCode,
    ).toBe(200);
    expect((await patch('/api/v1/elders/e-0001', spec, { phone: '0755-83009999' })).statusCode).toBe(200);
    // A refused read is no read.
    expect(
      (await get('/api/v1/elders/e-0001', await token('spec-meilin', 'spec-password-2'))).statusCode,
    ).toBe(404);
    const log = await get('/api/v1/audit?elder_id=e-0001', hub.adminToken);
    const entries = ((log.json() as Json).entries as Json[]).filter((e) => e.at >= since).reverse();
    expect(entries.map((e) => [e.actor, e.actor_role, e.action, e.target, e.detail])).toEqual([
      ['spec-jingtian', 'specialist', 'record_viewed', alertId, { view: 'full' }],
      ['family-wang', 'family', 'record_viewed', null, { view: 'full' }],
      ['spec-jingtian', 'specialist', 'record_changed', null, { fields: ['phone'] }],
    ]);
    expect(log.body).not.toContain('0755-83009999');
  });

  it('[CALL-LOG] a specialist works the contact list: each call on the timeline with whom, the number, reached or not, the outcome', async () => {
    await district();
    const spec = await specialist();
    const alertId = await openSos(hub.store.db);
    const call = (body: object) => post(`/api/v1/alerts/${alertId}/calls`, spec, body);
    const first = await call({ callee: 'elder', reached: false, outcome: 'no_answer' });
    expect(first.statusCode, first.body).toBe(201);
    const second = await call({
      callee: 'contact',
      contact: 1,
      reached: true,
      outcome: 'going_there',
      note: '十分钟到',
    });
    expect(second.statusCode, second.body).toBe(201);
    // Refused, naming what is wrong; nothing written.
    const refused: Array<[object, string]> = [
      [{ callee: 'contact', contact: 3, reached: true, outcome: 'all_well' }, 'contact'],
      [{ callee: 'contact', reached: true, outcome: 'all_well' }, 'contact'],
      [{ callee: 'elder', reached: true, outcome: 'no_answer' }, 'outcome'],
      [{ callee: 'elder', reached: false, outcome: 'all_well' }, 'outcome'],
    ];
    for (const [body, path] of refused) {
      const res = await call(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect((res.json() as Json).issues.map((i: Json) => i.path)).toContain(path);
    }
    const detail = (await get(`/api/v1/alerts/${alertId}`, spec)).json() as Json;
    const calls = (detail.timeline as Json[]).filter((e) => e.code === 'called');
    expect(calls.map((c) => [c.actor, c.params])).toEqual([
      [
        'spec-jingtian',
        { callee: 'elder', name: '王秀英', phone: wangRecord.phone, reached: false, outcome: 'no_answer' },
      ],
      [
        'spec-jingtian',
        {
          callee: 'contact',
          position: 1,
          name: '王建华',
          relation: 'child',
          phone: '13800138000',
          reached: true,
          outcome: 'going_there',
          text: '十分钟到',
        },
      ],
    ]);
    expect(calls[1].note).toBe('called contact 1 (王建华, 13800138000): reached, going_there. 十分钟到');
    // Another community's specialist cannot log calls on it.
    const other = await post(
      `/api/v1/alerts/${alertId}/calls`,
      await token('spec-meilin', 'spec-password-2'),
      {
        callee: 'elder',
        reached: false,
        outcome: 'busy',
      },
    );
    expect(other.json()).toMatchObject({
      error: 'not_found',
      message: `no alert ${alertId} in your org unit`,
    });
  });

  it('[RECORD-ERASURE] an erased elder takes the record, the family links and the called numbers with them', async () => {
    await district();
    const spec = await specialist();
    const alertId = await openSos(hub.store.db);
    await post(`/api/v1/alerts/${alertId}/calls`, spec, {
      callee: 'contact',
      contact: 2,
      reached: true,
      outcome: 'all_well',
    });
    await post(`/api/v1/alerts/${alertId}/cancel`, spec, {});
    const exported = (await get('/api/v1/elders/e-0001/export', hub.adminToken)).json() as Json;
    expect(exported.care_record.record).toMatchObject({ access_notes: wangRecord.access_notes });
    const erased = await post('/api/v1/elders/e-0001/erase', hub.adminToken, { confirm: 'e-0001' });
    expect(erased.statusCode, erased.body).toBe(200);
    const { db } = hub.store;
    expect(await db.selectFrom('care_records').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('family_links').selectAll().execute()).toEqual([]);
    const notes = await db.selectFrom('alert_transitions').select(['note', 'note_params']).execute();
    expect(JSON.stringify(notes)).not.toMatch(/13900139000|刘阿姨/);
    expect(notes.some((n) => n.note_params?.includes('"outcome":"all_well"'))).toBe(true);
  });

  it('[RECORD-KIN-GIFT] the time bank gives credits only to kin: an elder whose record names the giver, or the giver’s own family', async () => {
    await district();
    const gift = async (t: string, from: object, to: object) => {
      const res = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/timebank/transfers',
        headers: { ...hub.as(t), 'idempotency-key': `gift-${Math.random()}` },
        payload: { from, to, minutes: 10 },
      });
      return res.statusCode === 200 ? 200 : `${res.statusCode} ${(res.json() as Json).message}`;
    };
    // Credits for the two families' accounts (an admin's grant from their community's fund).
    for (const [fund, family] of [
      ['meilin', 'wang-son'],
      ['jingtian', 'zhao'],
    ])
      expect(
        await gift(hub.adminToken, { owner_id: fund, kind: 'fund' }, { owner_id: family, kind: 'family' }),
      ).toBe(200);
    // The son's family account lives in another community: the link in his mother's record lets him give.
    const son = await token('family-wang', 'family-password');
    expect(
      await gift(son, { owner_id: 'wang-son', kind: 'family' }, { owner_id: 'e-0001', kind: 'elder' }),
    ).toBe(200);
    // Neither her kin nor of her unit: answered as if she did not exist (no probing who is registered).
    const neighbour = await token('family-zhao', 'family-password');
    expect(
      await gift(neighbour, { owner_id: 'zhao', kind: 'family' }, { owner_id: 'e-0001', kind: 'elder' }),
    ).toBe('404 no elder "e-0001"');
    // Unlinked, the son gives no more.
    await patch('/api/v1/elders/e-0001', await specialist(), { contacts: [] });
    expect(
      await gift(son, { owner_id: 'wang-son', kind: 'family' }, { owner_id: 'e-0001', kind: 'elder' }),
    ).toBe('404 no elder "e-0001"');
  });
});
