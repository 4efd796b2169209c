import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyOrder, orderNoteColumns } from '../services/service-order-model.js';
import type { Tables } from '../store/schema.js';
import { withPostgres } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';

/**
 * An erasure and a service request for the same elder at the same moment (PostgreSQL, where
 * transactions overlap; SQLite runs them one at a time): the request must not leave an erased
 * elder with an open order, nor the erasure miss one written beside it.
 */
describe.runIf(withPostgres)('erasure and a service request at the same moment (postgres)', () => {
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
  function holding(h: TestHub, then: (trx: Transaction<Tables>) => Promise<void>) {
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let held = () => {};
    const isHeld = new Promise<void>((r) => {
      held = r;
    });
    const done = h.store.db.transaction().execute(async (trx) => {
      await trx.selectFrom('elders').select('id').where('id', '=', 'e-0001').forUpdate().execute();
      held();
      await released;
      await then(trx);
    });
    return {
      isHeld,
      release: async () => {
        release();
        await done;
      },
    };
  }

  /** Whether `p` is still unsettled after `ms` (it waits on the held row). */
  async function stillWaiting(p: Promise<unknown>, ms = 400): Promise<boolean> {
    const waiting = Symbol('waiting');
    return (await Promise.race([p, new Promise((r) => setTimeout(() => r(waiting), ms))])) === waiting;
  }

  it('[ERASE-RACE-REQUEST] a request published while an erasure holds the elder waits for it, then is refused as for an erased elder: no order is left for her', async () => {
    const h = await district();
    const spec = await h.login('spec-jingtian', 'spec-password-1');
    const erasure = holding(h, async (trx) => {
      await trx
        .updateTable('elders')
        .set({ erased_at: Date.now(), name: '（已删除）' })
        .where('id', '=', 'e-0001')
        .execute();
    });
    await erasure.isHeld;
    const request = h.app.inject({
      method: 'POST',
      url: '/api/v1/service-orders',
      headers: h.as(spec),
      payload: {
        elder_id: 'e-0001',
        kind: 'visit',
        note: '王秀英家的钥匙在门垫下',
        wanted_at: Date.now() + 86_400_000,
      },
    });
    expect(await stillWaiting(request), 'the request waits for the erasure').toBe(true);
    await erasure.release();
    const answer = await request;
    expect(answer.statusCode, answer.body).toBe(404);
    expect(answer.json()).toEqual({ error: 'not_found', message: 'no elder e-0001 in your org unit' });
    const orders = await h.store.db
      .selectFrom('service_orders')
      .select('note')
      .where('elder_id', '=', 'e-0001')
      .execute();
    expect(orders).toEqual([]);
  });

  it('[ERASE-RACE-ERASURE] an erasure asked for while a request for the elder is being written waits for it, then refuses: an order is open', async () => {
    const h = await district();
    const lianhua = await h.login('admin-lianhua', 'admin-password-2');
    const written = holding(h, async (trx) => {
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
    await written.isHeld;
    const erase = h.app.inject({
      method: 'POST',
      url: '/api/v1/elders/e-0001/erase',
      headers: h.as(lianhua),
      payload: { confirm: 'e-0001' },
    });
    expect(await stillWaiting(erase), 'the erasure waits for the request').toBe(true);
    await written.release();
    const answer = await erase;
    expect(answer.statusCode, answer.body).toBe(409);
    expect(answer.json().error).toBe('order_open');
    const elder = await h.store.db
      .selectFrom('elders')
      .select(['name', 'erased_at'])
      .where('id', '=', 'e-0001')
      .executeTakeFirstOrThrow();
    expect(elder).toEqual({ name: '王秀英', erased_at: null });
  });
});
