import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { readNote } from '../alerts/timeline-notes.js';
import type { CareRecords } from '../registry/care-records.js';
import type { ElderRow } from '../registry/elder-lookup.js';
import type { Database } from '../store/database.js';
import { linkedTransferIds } from './elder-records.js';

/** Rows per query: a long history is read in short steps between the events being stored. */
const pageRows = 1000;

const json = (value: unknown) => JSON.stringify(value);
const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * Everything the hub holds about one elder, as one JSON document (PIPL: a person's right to a
 * copy): the district record, devices, raw events, minute rollups, alerts with their timelines,
 * welfare check-ins and medication reminders with each answered or missed, service orders and the
 * recurring requests that publish them, the time bank's accounts and transfers that concern them,
 * and who read their record. Written as a stream: years of rollups never sit in memory at once.
 */
export class ElderExport {
  constructor(
    private readonly deps: { db: Database; now: () => number; careRecords: Pick<CareRecords, 'read'> },
  ) {}

  async *document(elder: ElderRow, exportedBy: string): AsyncGenerator<string> {
    const { db } = this.deps;
    const { org_unit_path: _path, ...record } = elder;
    const unit = await db
      .selectFrom('org_units')
      .select(['id', 'name', 'level', 'path'])
      .where('id', '=', elder.org_unit_id)
      .executeTakeFirst();
    yield `{"format":"yiyang-elder-export/1","exported_at":${this.deps.now()},"exported_by":${json(exportedBy)}`;
    yield `,"elder":${json({ ...record, org_unit: unit ?? null })}`;
    const care = await this.deps.careRecords.read(db, elder.id);
    yield `,"care_record":${json(care.updated_at === null ? null : care)}`;
    const settings = await db
      .selectFrom('care_settings')
      .select(['name', 'value', 'updated_at', 'updated_by'])
      .where('owner_kind', '=', 'elder')
      .where('owner_id', '=', elder.id)
      .orderBy('name')
      .execute();
    yield `,"care_settings":${json(settings)}`;

    const devices = await db
      .selectFrom('devices as d')
      .leftJoin('device_health as h', 'h.device_id', 'd.id')
      .select(['d.id', 'd.type', 'd.created_at', 'd.revoked_at', 'h.last_seen_at', 'h.online', 'h.battery'])
      .select(['h.worn', 'h.not_worn_since'])
      .where('d.elder_id', '=', elder.id)
      .orderBy('d.id')
      .execute();
    yield `,"devices":${json(devices)}`;

    yield ',"device_events":[';
    // Theirs only: events sent while a device was theirs (a watch handed on keeps its id).
    let first = true;
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await db
        .selectFrom('device_events')
        .select(['device_id', 'event_id', 'type', 'device_ts', 'received_at', 'payload', 'handled_at'])
        .where('elder_id', '=', elder.id)
        .where(({ eb, refTuple, tuple }) =>
          eb(refTuple('device_id', 'event_id'), '>', tuple(after[0], after[1])),
        )
        .orderBy('device_id')
        .orderBy('event_id')
        .limit(pageRows)
        .execute();
      for (const { payload, ...row } of rows) {
        yield `${first ? '' : ','}${json({ ...row, payload: parsed(payload) })}`;
        first = false;
      }
      if (rows.length < pageRows) break;
      after = [rows.at(-1)!.device_id, rows.at(-1)!.event_id];
      await yieldToEvents();
    }
    yield ']';

    yield ',"rollups_1m":[';
    first = true;
    let cursor = { minute: -1, device: '' };
    for (;;) {
      const rows = await db
        .selectFrom('rollups_1m')
        .selectAll()
        .where('elder_id', '=', elder.id)
        .where((eb) =>
          eb.or([
            eb('minute', '>', cursor.minute),
            eb.and([eb('minute', '=', cursor.minute), eb('device_id', '>', cursor.device)]),
          ]),
        )
        .orderBy('minute')
        .orderBy('device_id')
        .limit(pageRows)
        .execute();
      for (const row of rows) {
        yield `${first ? '' : ','}${json(row)}`;
        first = false;
      }
      if (rows.length < pageRows) break;
      const last = rows.at(-1)!;
      cursor = { minute: last.minute, device: last.device_id };
      await yieldToEvents();
    }
    yield ']';

    yield ',"alerts":[';
    first = true;
    const alerts = await db
      .selectFrom('alerts')
      .select('id')
      .where('elder_id', '=', elder.id)
      .orderBy('opened_at')
      .orderBy('id')
      .execute();
    for (const { id } of alerts) {
      const alert = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const timeline = await db
        .selectFrom('alert_transitions')
        .select(['at', 'actor', 'from_status', 'to_status', 'note', 'note_code', 'note_params'])
        .where('alert_id', '=', id)
        .orderBy('at')
        .execute();
      const offers = await db
        .selectFrom('offers')
        .select(['id', 'responder_id', 'status', 'distance_m', 'ladder_step', 'created_at', 'answered_at'])
        .where('alert_id', '=', id)
        .orderBy('created_at')
        .execute();
      yield `${first ? '' : ','}${json({
        ...alert,
        details: parsed(alert.details),
        timeline: timeline.map(({ note_code, note_params, ...t }) => ({
          ...t,
          ...readNote({ note: t.note, note_code, note_params }),
        })),
        offers,
      })}`;
      first = false;
    }
    yield ']';

    const pending = await db
      .selectFrom('pending_falls')
      .selectAll()
      .where('elder_id', '=', elder.id)
      .execute();
    yield `,"pending_falls":${json(pending.map((p) => ({ ...p, sources: parsed(p.sources), details: parsed(p.details) })))}`;
    const schedules = await db
      .selectFrom('welfare_schedules')
      .selectAll()
      .where('elder_id', '=', elder.id)
      .orderBy('created_at')
      .execute();
    const occurrences = await db
      .selectFrom('welfare_occurrences')
      .selectAll()
      .where('elder_id', '=', elder.id)
      .orderBy('due_at')
      .execute();
    yield `,"welfare":${json({ schedules, occurrences })}`;

    const orders = await db
      .selectFrom('service_orders')
      .selectAll()
      .where('elder_id', '=', elder.id)
      .orderBy('requested_at')
      .orderBy('id')
      .execute();
    const orderIds = orders.map((o) => o.id);
    const orderSteps =
      orderIds.length === 0
        ? []
        : await db
            .selectFrom('service_order_transitions')
            .select([
              'order_id',
              'at',
              'actor',
              'from_status',
              'to_status',
              'note',
              'note_code',
              'note_params',
            ])
            .where('order_id', 'in', orderIds)
            .orderBy('at')
            .execute();
    yield `,"service_orders":${json(
      orders.map((o) => ({
        ...o,
        note_params: parsed(o.note_params),
        timeline: orderSteps
          .filter((s) => s.order_id === o.id)
          .map(({ order_id: _order, note_code, note_params, ...s }) => ({
            ...s,
            ...readNote({ note: s.note, note_code, note_params }),
          })),
      })),
    )}`;

    const recurring = await db
      .selectFrom('recurring_requests')
      .selectAll()
      .where('elder_id', '=', elder.id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    yield `,"recurring_requests":${json(recurring)}`;

    yield* this.timebank(elder.id, orderIds);

    const reads = await db
      .selectFrom('audit_entries')
      .select(['at', 'actor', 'actor_role', 'action', 'target'])
      .where('elder_id', '=', elder.id)
      .orderBy('at')
      .execute();
    yield `,"record_reads":${json(reads)}}`;
  }

  private async *timebank(elderId: string, orderIds: string[]): AsyncGenerator<string> {
    const { db } = this.deps;
    const accounts = await db
      .selectFrom('timebank_accounts')
      .select(['id', 'kind', 'owner_id', 'org_unit_id', 'balance_minutes', 'overdraft_minutes', 'created_at'])
      .where('kind', '=', 'elder')
      .where('owner_id', '=', elderId)
      .execute();
    const transferIds = await linkedTransferIds(db, elderId, orderIds);
    const transfers = [];
    for (let i = 0; i < transferIds.length; i += 500) {
      const chunk = transferIds.slice(i, i + 500);
      const rows = await db.selectFrom('timebank_transfers').selectAll().where('id', 'in', chunk).execute();
      const postings = await db
        .selectFrom('timebank_postings')
        .select(['transfer_id', 'account_id', 'entry_no', 'amount_minutes', 'balance_after_minutes'])
        .where('transfer_id', 'in', chunk)
        .execute();
      for (const { request_key: _key, ...t } of rows) {
        transfers.push({
          ...t,
          memo_params: parsed(t.memo_params),
          details: parsed(t.details),
          postings: postings.filter((p) => p.transfer_id === t.id).map(({ transfer_id: _t, ...p }) => p),
        });
      }
    }
    transfers.sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
    const credits =
      orderIds.length === 0
        ? []
        : await db
            .selectFrom('timebank_service_credits')
            .selectAll()
            .where('service_id', 'in', orderIds)
            .execute();
    yield `,"timebank":${json({ accounts, transfers, service_credits: credits })}`;
  }
}
