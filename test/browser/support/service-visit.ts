import type { TestHub } from '../../support/hub.js';

/** A service in progress as if `minutes` had passed since its check-in. */
export async function servedFor(hub: TestHub, orderId: string, minutes: number): Promise<void> {
  await hub.store.db
    .updateTable('service_orders')
    .set((eb) => ({ checked_in_at: eb('checked_in_at', '-', minutes * 60_000) }))
    .where('id', '=', orderId)
    .execute();
}

/** The code the elder's watch shows for a visit: what the elder reads out to the volunteer. */
export async function visitCode(hub: TestHub, orderId: string): Promise<string> {
  const { confirmation_code } = await hub.store.db
    .selectFrom('service_orders')
    .select('confirmation_code')
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  if (!confirmation_code) throw new Error(`no confirmation code for ${orderId}: was it checked in?`);
  return confirmation_code;
}
