import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyOrder, orderNoteColumns } from '../services/service-order-model.js';
import type { Tables } from '../store/schema.js';
import { withPostgres } from './support/databases.js';
import { heldRows } from './support/held-rows.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { openSos } from './support/open-sos.js';

/**
 * An erasure and a staff write for the same elder at the same moment (PostgreSQL, where
 * transactions overlap; SQLite runs them one at a time): the write must not leave an erased
 * elder's data behind, nor the erasure miss an order written beside it.
 */
describe.runIf(withPostgres)('erasure and a write for the same elder at the same moment (postgres)', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  async function district(): Promise<TestHub> {
    hub = await startTestHub({ dialect: 'postgres' });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    return hub;
  }

  /** A transaction holding 王秀英's row (as an erasure or a request does) that runs `then` when released. */
  const holding = (h: TestHub, then: (trx: Transaction<Tables>) => Promise<void>) =>
    heldRows(
      h.store.db,
      (trx) => trx.selectFrom('elders').select('id').where('id', '=', 'e-0001').forUpdate().execute(),
      then,
    );

  /** An erasure of 王秀英 under way: her row held and marked erased, committed at `release()`. */
  const erasing = (h: TestHub) =>
    holding(h, async (trx) => {
      await trx
        .updateTable('elders')
        .set({ erased_at: Date.now(), name: '（已删除）', address: '（已删除）' })
        .where('id', '=', 'e-0001')
        .execute();
    });

  /**
   * Whether `p` is still unsettled after `ms` (it waits on the held row). A second: an import hashes
   * the document's device secrets before it reaches the row, slower on a busy machine.
   */
  async function stillWaiting(p: Promise<unknown>, ms = 1000): Promise<boolean> {
    const waiting = Symbol('waiting');
    return (await Promise.race([p, new Promise((r) => setTimeout(() => r(waiting), ms))])) === waiting;
  }

  /** 莲花's admin erases 王秀英 while `held` holds rows: its answer once they are released, and her row then. */
  async function eraseBeside(h: TestHub, held: { release: () => Promise<void> }, waitsFor: string) {
    const lianhua = await h.login('admin-lianhua', 'admin-password-2');
    const erase = h.app.inject({
      method: 'POST',
      url: '/api/v1/elders/e-0001/erase',
      headers: h.as(lianhua),
      payload: { confirm: 'e-0001' },
    });
    expect(await stillWaiting(erase), `the erasure waits for ${waitsFor}`).toBe(true);
    await held.release();
    const answer = await erase;
    const elder = await h.store.db
      .selectFrom('elders')
      .select(['name', 'address', 'erased_at'])
      .where('id', '=', 'e-0001')
      .executeTakeFirstOrThrow();
    return { answer, elder };
  }

  // What staff write for an elder, each carrying the same secret (how to get in), or a watch fitted
  // to her: none may outlive her erasure. Written by 景田's specialist, or 莲花's admin where only an admin may.
  const secret = '钥匙在门垫下';
  const writes: ReadonlyArray<{
    what: string;
    table: 'service_orders' | 'recurring_requests' | 'welfare_schedules' | 'care_records' | 'devices';
    method: 'POST' | 'PATCH';
    url: string;
    payload: Record<string, unknown>;
    /** What must not be stored for her (the secret unless named). */
    trace?: string;
    by?: [string, string];
  }> = [
    {
      what: 'a service request',
      table: 'service_orders',
      method: 'POST',
      url: '/api/v1/service-orders',
      payload: { elder_id: 'e-0001', kind: 'visit', note: secret, wanted_at: Date.now() + 86_400_000 },
    },
    {
      what: 'a recurring request',
      table: 'recurring_requests',
      method: 'POST',
      url: '/api/v1/recurring-requests',
      payload: {
        elder_id: 'e-0001',
        note: secret,
        kind: 'meal_delivery',
        weekdays: [3],
        time: '11:30',
        lead_hours: 168,
      },
    },
    {
      what: 'a welfare check-in',
      table: 'welfare_schedules',
      method: 'POST',
      url: '/api/v1/elders/e-0001/welfare/schedules',
      payload: { kind: 'medication', time: '08:00', text: secret },
    },
    {
      what: 'a care record change',
      table: 'care_records',
      method: 'PATCH',
      url: '/api/v1/elders/e-0001',
      payload: { access_notes: secret },
    },
    {
      what: 'a watch fitted to her',
      table: 'devices',
      method: 'POST',
      url: '/api/v1/devices',
      payload: { id: 'w-0099', type: 'watch', elder_id: 'e-0001' },
      trace: 'w-0099',
      by: ['admin-lianhua', 'admin-password-2'],
    },
  ];

  for (const write of writes) {
    it(`[ERASE-RACE-WRITE] ${write.what} made while an erasure holds the elder waits for it, then is refused as for an erased elder: nothing of it is stored`, async () => {
      const h = await district();
      const writer = await h.login(...(write.by ?? ['spec-jingtian', 'spec-password-1']));
      const erasure = await erasing(h);
      const request = h.app.inject({
        method: write.method,
        url: write.url,
        headers: h.as(writer),
        payload: write.payload,
      });
      expect(await stillWaiting(request), 'the write waits for the erasure').toBe(true);
      await erasure.release();
      const answer = await request;
      expect(answer.statusCode, answer.body).toBe(404);
      expect(answer.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
      const rows = await h.store.db
        .selectFrom(write.table)
        .selectAll()
        .where('elder_id', '=', 'e-0001')
        .execute();
      expect(JSON.stringify(rows)).not.toContain(write.trace ?? secret);
    });
  }

  it('[ERASE-RACE-LEDGER] a time-bank transfer with a typed memo, made while an erasure holds the elder, waits for it: her credits move, the memo is stored replaced', async () => {
    const h = await district();
    const erasure = await erasing(h);
    const transfer = h.app.inject({
      method: 'POST',
      url: '/api/v1/timebank/transfers',
      headers: { ...h.as(h.adminToken), 'idempotency-key': 'race-grant-1' },
      payload: {
        from: { owner_id: 'jingtian', kind: 'fund' },
        to: { owner_id: 'e-0001' },
        minutes: 30,
        memo: secret,
      },
    });
    expect(await stillWaiting(transfer), 'the transfer waits for the erasure').toBe(true);
    await erasure.release();
    const answer = await transfer;
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json().transfer.memo).toBe('(erased on request)');
    const stored = await Promise.all([
      h.store.db.selectFrom('timebank_transfers').selectAll().execute(),
      h.store.db.selectFrom('timebank_requests').selectAll().execute(),
    ]);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('[ERASE-RACE-IMPORT] a district import that reaches an elder while her erasure holds her waits for it, then stops there (409 elder_erased): her name and address are not written back', async () => {
    const h = await district();
    const erasure = await erasing(h);
    const doc = smallDistrict();
    const renamed = doc.elders!.find((e) => e.id === 'e-0002')!;
    renamed.address = '景田北二街 1 栋 101';
    const putting = h.putDistrict(doc);
    expect(await stillWaiting(putting), 'the import waits for the erasure').toBe(true);
    await erasure.release();
    const answer = await putting;
    expect(answer.statusCode, JSON.stringify(answer.body)).toBe(409);
    const refusal = answer.body as unknown as { error: string; message: string };
    expect(refusal.error).toBe('elder_erased');
    expect(refusal.message).toMatch(/^elder e-0001 was erased while the document was being applied/);
    const elders = await h.store.db
      .selectFrom('elders')
      .select(['id', 'name', 'address'])
      .where('id', 'in', ['e-0001', 'e-0002'])
      .orderBy('id')
      .execute();
    expect(elders[0]).toEqual({ id: 'e-0001', name: '（已删除）', address: '（已删除）' });
    // Listed after her in the document: not applied (her batch was undone whole).
    expect(elders[1]!.address).not.toBe('景田北二街 1 栋 101');
    // The document applied again without her completes it.
    doc.elders = doc.elders!.filter((e) => e.id !== 'e-0001');
    expect((await h.putDistrict(doc)).statusCode).toBe(200);
  });

  it('[ERASE-RACE-ERASURE] an erasure asked for while a request for the elder is being written waits for it, then refuses: an order is open', async () => {
    const h = await district();
    const written = await holding(h, async (trx) => {
      const at = Date.now();
      await trx
        .insertInto('service_orders')
        .values({
          ...emptyOrder,
          id: randomUUID(),
          kind: 'visit',
          status: 'requested',
          elder_id: 'e-0001',
          org_unit_id: 'jingtian',
          community_id: 'jingtian',
          ...orderNoteColumns('王秀英每周探访'),
          wanted_at: at + 86_400_000,
          requested_by: 'spec-jingtian',
          requested_at: at,
          updated_at: at,
          recurrence_id: null,
        })
        .execute();
    });
    const { answer, elder } = await eraseBeside(h, written, 'the request');
    expect(answer.statusCode, answer.body).toBe(409);
    expect(answer.json().error).toBe('order_open');
    expect(elder).toEqual({ name: '王秀英', address: '景田北一街 3 栋 502', erased_at: null });
  });

  it('[ERASE-RACE-ALERT] an SOS raised while an erasure runs (the alarm path holds nothing of the elder) undoes the erasure: 409 alert_active, her name and address stay for the responders', async () => {
    const h = await district();
    let alertId = '';
    // Her watch's row held, so the erasure stops at detaching it, after its first checks; the SOS
    // is committed before it goes on.
    const sos = await heldRows(
      h.store.db,
      (trx) => trx.selectFrom('devices').select('id').where('elder_id', '=', 'e-0001').forUpdate().execute(),
      async (trx) => {
        alertId = await openSos(trx);
      },
    );
    const { answer, elder } = await eraseBeside(h, sos, 'her watch');
    expect(answer.statusCode, answer.body).toBe(409);
    expect(answer.json().error).toBe('alert_active');
    expect(elder).toEqual({ name: '王秀英', address: '景田北一街 3 栋 502', erased_at: null });
    const watch = await h.store.db
      .selectFrom('devices')
      .select('elder_id')
      .where('id', '=', 'w-0001')
      .executeTakeFirstOrThrow();
    expect(watch.elder_id, 'her watch still hers').toBe('e-0001');
    const alert = await h.store.db
      .selectFrom('alerts')
      .select('status')
      .where('id', '=', alertId)
      .executeTakeFirstOrThrow();
    expect(['open', 'assigned', 'on_site'], 'the SOS still active').toContain(alert.status);
  });
});
