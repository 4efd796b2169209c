import type { Transaction } from 'kysely';
import { type CodedNote, noteColumns } from '../alerts/timeline-notes.js';
import type { EventLog } from '../ingest/event-log.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { CareRecords } from '../registry/care-records.js';
import { type ElderRow, elderInScope, erasedText, holdElder } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import type { Tables } from '../store/schema.js';
import { startingWith } from '../store/scope.js';
import type { AuditLog } from './audit-log.js';
import { linkedTransferIds } from './elder-records.js';

/** What an erased elder's name becomes; the id stays (alerts, orders and the ledger name it). */
export const erasedName = '(erased)';
/** A time-bank correction's memo parameters; its reason is typed by a person. */
export interface CorrectionParams {
  transfer_kind: string;
  transfer_id: string;
  reason: string;
}
/** The columns a correction's memo is stored in, as the time bank words them. */
export type CorrectionMemo = (params: CorrectionParams) => {
  memo: string;
  memo_code: string | null;
  memo_params: string | null;
};

/** Service orders still under way: an erasure waits until they end. */
const openOrderStatuses = ['requested', 'taken', 'in_progress'];
const activeAlertStatuses = ['open', 'assigned', 'on_site'];
/** Parameters of coded notes that hold a person's words or another person's name and number. */
const personalParams = ['text', 'name', 'phone'];

export type ErasureResult =
  | { ok: true; erased: ErasureCounts }
  | { ok: false; reason: 'not_found' | 'already_erased' | Busy };

export interface ErasureCounts {
  devices_detached: number;
  device_events: number;
  rollups_1m: number;
  alerts_cleared: number;
  service_orders_cleared: number;
  ledger_transfers_cleared: number;
  /** Welfare check-in and medication schedules, and the record of each answered or missed. */
  welfare_records: number;
  /** Their recurring requests, stopped (those still running) and their typed notes replaced. */
  recurring_requests_cleared: number;
  /** Notices for the webhook's receiver about their alerts (a family escalation names them and their family). */
  webhook_notices_deleted: number;
}

type Trx = Transaction<Tables>;
type Busy = 'alert_active' | 'fall_pending' | 'order_open';

/** Thrown inside the erasure's transaction to undo it, with why. */
class ErasureRefused extends Error {
  constructor(readonly reason: Busy) {
    super(reason);
  }
}

/** What the elder is in the middle of, which an erasure must wait for (null: nothing). */
async function busyWith(trx: Trx, elderId: string): Promise<Busy | null> {
  const active = await trx
    .selectFrom('alerts')
    .select('id')
    .where('elder_id', '=', elderId)
    .where('status', 'in', activeAlertStatuses)
    .executeTakeFirst();
  if (active) return 'alert_active';
  // A fall in its cancel window becomes an alert when the window ends: wait for it.
  const falling = await trx
    .selectFrom('pending_falls')
    .select('elder_id')
    .where('elder_id', '=', elderId)
    .executeTakeFirst();
  if (falling) return 'fall_pending';
  const open = await trx
    .selectFrom('service_orders')
    .select('id')
    .where('elder_id', '=', elderId)
    .where('status', 'in', openOrderStatuses)
    .executeTakeFirst();
  return open ? 'order_open' : null;
}

/**
 * Erases one elder on request (PIPL: deletion), in one transaction with its audit entry. Their
 * health and whereabouts (events, rollups, alert evidence) are deleted; rows
 * others depend on stay with the personal fields replaced: the elder's row (name, address,
 * location), typed notes on alert and order timelines, typed memos in the time bank. Ledger
 * postings are never touched, so every transfer still balances. Devices are detached, not
 * revoked: the hardware goes to the next person. Minutes still open in memory at that moment
 * are written later under the old id: the retention sweep deletes them.
 */
export class ElderErasure {
  constructor(
    private readonly deps: {
      db: Database;
      eventLog: Pick<EventLog, 'forget'>;
      audit: AuditLog;
      /** Their care record and family links are deleted with the rest. */
      careRecords: Pick<CareRecords, 'erase'>;
      /** Reloads the district's master data after the elder lost their devices. */
      districtChanged: () => Promise<void>;
      /** A correction's memo reworded with its reason replaced (the time bank's own wording). */
      correctionMemo: CorrectionMemo;
      now: () => number;
    },
  ) {}

  async erase(elderId: string, by: SignedInUser): Promise<ErasureResult> {
    const result = await this.erasing(elderId, by).catch((error: unknown) => {
      if (error instanceof ErasureRefused) return { ok: false as const, reason: error.reason };
      throw error;
    });
    if (result.ok) await this.deps.districtChanged();
    return result;
  }

  private erasing(elderId: string, by: SignedInUser): Promise<ErasureResult> {
    return this.deps.db.transaction().execute(async (trx): Promise<ErasureResult> => {
      // Before the checks: what is being written for the elder is committed (and read here) or waits.
      await holdElder(trx, elderId);
      const elder = await elderInScope(trx, elderId, by.scopePath);
      if (!elder) return { ok: false, reason: 'not_found' };
      if (elder.erased_at !== null) return { ok: false, reason: 'already_erased' };
      const busy = await busyWith(trx, elderId);
      if (busy) return { ok: false, reason: busy };
      const erased = await this.eraseIn(trx, elder, by);
      // Again at the end: an SOS or a fall does not wait for the elder's row (nothing on the alarm
      // path does), so one raised while this ran is seen only now. Its address must stay: undone.
      const raised = await busyWith(trx, elderId);
      if (raised) throw new ErasureRefused(raised);
      await this.deps.audit.recordIn(trx, {
        by,
        action: 'elder_erased',
        elderId,
        orgUnitId: elder.org_unit_id,
        detail: { ...erased },
      });
      return { ok: true, erased };
    });
  }

  private async eraseIn(trx: Trx, elder: ElderRow, by: SignedInUser): Promise<ErasureCounts> {
    const now = this.deps.now();
    const devices = (
      await trx.selectFrom('devices').select('id').where('elder_id', '=', elder.id).execute()
    ).map((d) => d.id);
    const deviceEvents = await this.deps.eventLog.forget(trx, elder.id);
    if (devices.length > 0)
      await trx.updateTable('devices').set({ elder_id: null }).where('id', 'in', devices).execute();
    const rollups = await trx.deleteFrom('rollups_1m').where('elder_id', '=', elder.id).executeTakeFirst();

    const alertIds = (
      await trx.selectFrom('alerts').select('id').where('elder_id', '=', elder.id).execute()
    ).map((a) => a.id);
    let notices = 0;
    for (let i = 0; i < alertIds.length; i += 500) {
      const chunk = alertIds.slice(i, i + 500);
      await trx
        .updateTable('alerts')
        .set({ details: '{}', updated_at: now })
        .where('id', 'in', chunk)
        .execute();
      await this.scrubTimeline(trx, 'alert_transitions', 'alert_id', chunk);
      notices += await this.deleteFamilyNotices(trx, chunk);
    }

    const orderIds = (
      await trx.selectFrom('service_orders').select('id').where('elder_id', '=', elder.id).execute()
    ).map((o) => o.id);
    for (let i = 0; i < orderIds.length; i += 500) {
      const chunk = orderIds.slice(i, i + 500);
      await trx
        .updateTable('service_orders')
        // Where the volunteer stood at the door locates the home: gone with it (the distances stay).
        .set({
          rating_comment: null,
          check_in_lat: null,
          check_in_lon: null,
          check_out_lat: null,
          check_out_lon: null,
          confirmation_code: null,
          updated_at: now,
        })
        .where('id', 'in', chunk)
        .execute();
      await trx
        .updateTable('service_orders')
        .set({ note: erasedText })
        .where('id', 'in', chunk)
        .where('note_code', 'is', null)
        .execute();
      await this.scrubTimeline(trx, 'service_order_transitions', 'order_id', chunk);
    }

    const transferIds = await linkedTransferIds(trx, elder.id, orderIds);
    for (let i = 0; i < transferIds.length; i += 500) {
      const chunk = transferIds.slice(i, i + 500);
      // Only a person's typed memo: the ledger's own memos are codes with ids, nothing personal.
      await trx
        .updateTable('timebank_transfers')
        .set({ memo: erasedText })
        .where('id', 'in', chunk)
        .where('memo_code', 'is', null)
        .execute();
      // A correction's reason is typed too ("her family says the grant was paid twice").
      const corrections = await trx
        .selectFrom('timebank_transfers')
        .select(['id', 'memo_params', 'details'])
        .where('id', 'in', chunk)
        .where('memo_code', '=', 'correction')
        .execute();
      for (const c of corrections) {
        await trx
          .updateTable('timebank_transfers')
          .set({
            ...this.deps.correctionMemo(withoutReason(JSON.parse(c.memo_params!))),
            details: JSON.stringify(withoutReason(JSON.parse(c.details))),
          })
          .where('id', '=', c.id)
          .execute();
      }
      const keys = await trx
        .selectFrom('timebank_transfers')
        .select('request_key')
        .where('id', 'in', chunk)
        .execute();
      await this.scrubStoredAnswers(
        trx,
        keys.map((k) => k.request_key),
      );
    }

    await this.deps.careRecords.erase(trx, elder.id);
    const occurrences = await trx
      .deleteFrom('welfare_occurrences')
      .where('elder_id', '=', elder.id)
      .executeTakeFirst();
    const schedules = await trx
      .deleteFrom('welfare_schedules')
      .where('elder_id', '=', elder.id)
      .executeTakeFirst();
    // A rule left running would publish an order for "(erased)" every week, its note (a key under
    // the mat, a diet) shown to every volunteer of the community: each is stopped, its note replaced.
    const rules = await trx
      .selectFrom('recurring_requests')
      .select('id')
      .where('elder_id', '=', elder.id)
      .execute();
    if (rules.length > 0) {
      await trx
        .updateTable('recurring_requests')
        .set({ stopped_by: by.username, stopped_at: now })
        .where('elder_id', '=', elder.id)
        .where('stopped_at', 'is', null)
        .execute();
      await trx
        .updateTable('recurring_requests')
        .set({ note: erasedText })
        .where('elder_id', '=', elder.id)
        .where('note', '<>', '')
        .execute();
    }
    await trx
      .updateTable('elders')
      .set({ name: erasedName, address: '', lat: null, lon: null, erased_at: now, updated_at: now })
      .where('id', '=', elder.id)
      .execute();
    return {
      devices_detached: devices.length,
      device_events: deviceEvents,
      rollups_1m: Number(rollups.numDeletedRows),
      alerts_cleared: alertIds.length,
      service_orders_cleared: orderIds.length,
      ledger_transfers_cleared: transferIds.length,
      welfare_records: Number(occurrences.numDeletedRows) + Number(schedules.numDeletedRows),
      recurring_requests_cleared: rules.length,
      webhook_notices_deleted: notices,
    };
  }

  /**
   * Deletes the webhook's family escalation notices about these alerts (`family-<alert id>-<step>`):
   * their bodies name the elder and hold their family's names and phone numbers, and the outbox keeps
   * them days after delivery (retries them, if the receiver is down). Not sent yet, they are not sent.
   * Offer notices stay: kind, severity and a distance, as an alert keeps them; push bodies hold no more.
   */
  private async deleteFamilyNotices(trx: Trx, alertIds: string[]): Promise<number> {
    const prefixes = alertIds.map((id) => `family-${id}-`);
    const found: string[] = [];
    for (let i = 0; i < prefixes.length; i += 50) {
      const chunk = prefixes.slice(i, i + 50);
      // An escaped LIKE finds candidates (an id's `_` or `%` is no wildcard; SQLite's LIKE ignores
      // case); the exact prefix and a step number after it decide (alert `a` must not take `a-1`'s).
      const rows = await trx
        .selectFrom('notice_deliveries')
        .select('id')
        .where('type', '=', 'family_escalation')
        .where((eb) => eb.or(chunk.map((p) => startingWith('id', p))))
        .execute();
      for (const { id } of rows) {
        if (chunk.some((p) => id.startsWith(p) && /^\d+$/.test(id.slice(p.length)))) found.push(id);
      }
    }
    for (let i = 0; i < found.length; i += 500) {
      await trx
        .deleteFrom('notice_deliveries')
        .where('id', 'in', found.slice(i, i + 500))
        .execute();
    }
    return found.length;
  }

  /**
   * A person's typed notes go; the hub's coded notes stay, without the specialist's own words and
   * without the names and numbers of the people called (a call log's `name`, `phone`).
   */
  private async scrubTimeline(
    trx: Trx,
    table: 'alert_transitions' | 'service_order_transitions',
    key: 'alert_id' | 'order_id',
    ids: string[],
  ): Promise<void> {
    if (table === 'alert_transitions') {
      await trx
        .updateTable(table)
        .set({ note: null })
        .where('alert_id', 'in', ids)
        .where('note_code', 'is', null)
        .where('note', 'is not', null)
        .execute();
    } else {
      await trx
        .updateTable(table)
        .set({ note: null })
        .where('order_id', 'in', ids)
        .where('note_code', 'is', null)
        .where('note', 'is not', null)
        .execute();
    }
    const worded = await trx
      .selectFrom(table)
      .select([key, 'at', 'note_code', 'note_params'])
      .where(key, 'in', ids)
      .where((eb) => eb.or(personalParams.map((p) => eb('note_params', 'like', `%"${p}"%`))))
      .execute();
    for (const row of worded) {
      const params = JSON.parse(row.note_params!) as Record<string, unknown>;
      if (!personalParams.some((p) => p in params)) continue;
      for (const p of personalParams) delete params[p];
      const columns = noteColumns({ code: row.note_code, params } as CodedNote);
      const owner = (row as Record<string, unknown>)[key] as string;
      if (table === 'alert_transitions') {
        await trx
          .updateTable(table)
          .set(columns)
          .where('alert_id', '=', owner)
          .where('at', '=', row.at)
          .where('note_code', '=', row.note_code)
          .execute();
      } else {
        await trx
          .updateTable(table)
          .set(columns)
          .where('order_id', '=', owner)
          .where('at', '=', row.at)
          .where('note_code', '=', row.note_code)
          .execute();
      }
    }
  }

  /**
   * The answers kept for retried requests (idempotency) repeat the memo typed with them: the
   * memo inside is replaced too, so a retry after the erasure does not bring it back.
   */
  private async scrubStoredAnswers(trx: Trx, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const rows = await trx
      .selectFrom('timebank_requests')
      .select(['idempotency_key', 'result'])
      .where('idempotency_key', 'in', keys)
      .execute();
    for (const row of rows) {
      const scrubbed = JSON.stringify(withoutTypedMemos(JSON.parse(row.result), this.deps.correctionMemo));
      if (scrubbed !== row.result) {
        await trx
          .updateTable('timebank_requests')
          .set({ result: scrubbed })
          .where('idempotency_key', '=', row.idempotency_key)
          .execute();
      }
    }
  }
}

/** A correction's memo parameters or details with its typed reason replaced. */
function withoutReason<T extends object>(fields: T): T & { reason: string } {
  return { ...fields, reason: erasedText };
}

/**
 * Replaces a person's words inside a stored answer: every `memo` that has no `memo_code` beside it,
 * and a correction's typed reason (in its memo, its parameters and its details).
 */
function withoutTypedMemos(value: unknown, correctionMemo: CorrectionMemo): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutTypedMemos(v, correctionMemo));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) copy[k] = withoutTypedMemos(v, correctionMemo);
  if (typeof object.memo === 'string' && (object.memo_code === null || object.memo_code === undefined)) {
    copy.memo = erasedText;
  }
  if (object.memo_code === 'correction' && object.memo_params && typeof object.memo_params === 'object') {
    const params = withoutReason(object.memo_params as CorrectionParams);
    copy.memo_params = params;
    copy.memo = correctionMemo(params).memo;
    if (object.details && typeof object.details === 'object')
      copy.details = withoutReason(object.details as Record<string, unknown>);
  }
  return copy;
}
