import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../store/database.js';
import type { Tables, WelfareOccurrenceTable, WelfareScheduleTable } from '../../store/schema.js';
import {
  defaultTexts,
  minuteOfDay,
  type Occurrence,
  occurrenceOf,
  type Schedule,
  type ScheduleChange,
  type scheduleCreateSchema,
  scheduleOf,
} from './welfare-schedule.js';

type Writer = Database | Transaction<Tables>;
type ScheduleCreate = ReturnType<typeof scheduleCreateSchema.parse>;

/** A schedule due now that has no occurrence today yet. */
export interface DueSchedule {
  schedule: WelfareScheduleTable;
  day: string;
  dueAt: number;
}

/**
 * The welfare schedules and occurrences in the store. Every move of an occurrence is a
 * conditional update on its status, so that of two racing moves (an answer and the deadline, or
 * two hub nodes) exactly one wins, and the store alone says what is left to do after a restart.
 */
export class WelfareBook {
  constructor(private readonly db: Database) {}

  async schedules(elderId: string): Promise<Schedule[]> {
    const rows = await this.db
      .selectFrom('welfare_schedules')
      .selectAll()
      .where('elder_id', '=', elderId)
      .orderBy('minute_of_day')
      .orderBy('id')
      .execute();
    return rows.map(scheduleOf);
  }

  async schedule(elderId: string, id: string): Promise<Schedule | undefined> {
    const row = await this.db
      .selectFrom('welfare_schedules')
      .selectAll()
      .where('elder_id', '=', elderId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && scheduleOf(row);
  }

  async create(trx: Writer, elderId: string, input: ScheduleCreate, by: { username: string; at: number }) {
    const id = randomUUID();
    await trx
      .insertInto('welfare_schedules')
      .values({
        id,
        elder_id: elderId,
        kind: input.kind,
        minute_of_day: minuteOfDay(input.time),
        text: input.text ?? defaultTexts[input.kind],
        wait_minutes: input.wait_minutes,
        enabled: input.enabled ? 1 : 0,
        created_at: by.at,
        updated_at: by.at,
        updated_by: by.username,
      })
      .execute();
    return id;
  }

  /** Changes the named fields; false if the elder has no such schedule. */
  async change(
    trx: Writer,
    elderId: string,
    id: string,
    change: ScheduleChange,
    by: { username: string; at: number },
  ): Promise<boolean> {
    const result = await trx
      .updateTable('welfare_schedules')
      .set({
        ...(change.time !== undefined && { minute_of_day: minuteOfDay(change.time) }),
        ...(change.text !== undefined && { text: change.text }),
        ...(change.wait_minutes !== undefined && { wait_minutes: change.wait_minutes }),
        ...(change.enabled !== undefined && { enabled: change.enabled ? 1 : 0 }),
        updated_at: by.at,
        updated_by: by.username,
      })
      .where('elder_id', '=', elderId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the schedule; what it already sent stays in the occurrences. */
  async delete(trx: Writer, elderId: string, id: string): Promise<boolean> {
    const result = await trx
      .deleteFrom('welfare_schedules')
      .where('elder_id', '=', elderId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The elder's latest occurrences, newest first. */
  async occurrences(elderId: string, limit: number): Promise<Occurrence[]> {
    const rows = await this.db
      .selectFrom('welfare_occurrences')
      .selectAll()
      .where('elder_id', '=', elderId)
      .orderBy('due_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(occurrenceOf);
  }

  /**
   * Enabled schedules of elders not erased whose time today lies in [from, to] minutes after local
   * midnight and that have no occurrence on `day` yet.
   */
  async due(day: string, from: number, to: number): Promise<WelfareScheduleTable[]> {
    return this.db
      .selectFrom('welfare_schedules as s')
      .innerJoin('elders as e', 'e.id', 's.elder_id')
      .leftJoin('welfare_occurrences as o', (j) =>
        j.onRef('o.schedule_id', '=', 's.id').on('o.day', '=', day),
      )
      .selectAll('s')
      .where('s.enabled', '=', 1)
      .where('s.minute_of_day', '>=', from)
      .where('s.minute_of_day', '<=', to)
      .where('e.erased_at', 'is', null)
      .where('o.id', 'is', null)
      .execute();
  }

  /**
   * Takes the schedule's occurrence of the day, addressed to `deviceId`; null when it was taken
   * already (a schedule fires once a day). Without a watch it is not deliverable: nothing is sent,
   * but its wait runs from now all the same, so that a check-in nobody could answer is missed and
   * raised for the elder like any other.
   */
  async claim(due: DueSchedule, deviceId: string | null, at: number): Promise<WelfareOccurrenceTable | null> {
    const { schedule } = due;
    const row: WelfareOccurrenceTable = {
      id: randomUUID(),
      schedule_id: schedule.id,
      elder_id: schedule.elder_id,
      kind: schedule.kind,
      text: schedule.text,
      day: due.day,
      due_at: due.dueAt,
      wait_minutes: schedule.wait_minutes,
      device_id: deviceId,
      sent_at: null,
      deadline_at: deviceId === null ? at + schedule.wait_minutes * 60_000 : null,
      status: 'pending',
      acknowledged_at: null,
      missed_at: null,
      alerted_at: null,
    };
    const result = await this.db
      .insertInto('welfare_occurrences')
      .values(row)
      .onConflict((oc) => oc.columns(['schedule_id', 'day']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? row : null;
  }

  /**
   * Occurrences taken but not sent yet (the hub stopped between, or the send failed); not those
   * found undeliverable, whose wait already runs.
   */
  async unsent(): Promise<WelfareOccurrenceTable[]> {
    return this.db
      .selectFrom('welfare_occurrences')
      .selectAll()
      .where('status', '=', 'pending')
      .where('sent_at', 'is', null)
      .where('deadline_at', 'is', null)
      .execute();
  }

  /**
   * An unsent occurrence's watch is no longer its elder's: addressed to `deviceId` (the elder's
   * watch now) or, null, recorded undeliverable with its wait running from `at`. False when it
   * was sent or readdressed meanwhile (another node).
   */
  async readdress(row: WelfareOccurrenceTable, deviceId: string | null, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('welfare_occurrences')
      .set({
        device_id: deviceId,
        ...(deviceId === null && { deadline_at: at + row.wait_minutes * 60_000 }),
      })
      .where('id', '=', row.id)
      .where('sent_at', 'is', null)
      .where('deadline_at', 'is', null)
      .where('device_id', row.device_id === null ? 'is' : '=', row.device_id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async sent(row: WelfareOccurrenceTable, at: number): Promise<void> {
    await this.db
      .updateTable('welfare_occurrences')
      .set({ sent_at: at, deadline_at: at + row.wait_minutes * 60_000 })
      .where('id', '=', row.id)
      .where('sent_at', 'is', null)
      .where('deadline_at', 'is', null)
      .execute();
  }

  /**
   * The wearer answered: in time it is acknowledged (a medication taken); after its deadline the
   * late answer is still recorded. False when no occurrence of this device has that id, or the
   * device's wearer (`elderId`, when the event names one) is not the occurrence's elder: a watch
   * handed on does not answer for the elder it was taken from.
   */
  async acknowledge(id: string, deviceId: string, elderId: string | null, at: number): Promise<boolean> {
    const answered = (set: { status?: string; acknowledged_at: number }) =>
      this.db
        .updateTable('welfare_occurrences')
        .set(set)
        .where('id', '=', id)
        .where('device_id', '=', deviceId)
        .$if(elderId !== null, (q) => q.where('elder_id', '=', elderId as string));
    const inTime = await answered({ status: 'acknowledged', acknowledged_at: at })
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(inTime.numUpdatedRows) > 0) return true;
    const late = await answered({ acknowledged_at: at })
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    return Number(late.numUpdatedRows) > 0;
  }

  /** Marks every pending occurrence past its deadline (sent or undeliverable) as missed; returns how many. */
  async missDue(now: number): Promise<number> {
    const result = await this.db
      .updateTable('welfare_occurrences')
      .set({ status: 'missed', missed_at: now })
      .where('status', '=', 'pending')
      .where('deadline_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Missed check-ins whose alert is not raised yet (also those a crash left between the two), with
   * or without a watch: the alert is the elder's. Only those whose wait ran out: before this, one
   * with no watch was missed at once and never raised, and an upgrade must not raise those now.
   */
  async unalerted(): Promise<WelfareOccurrenceTable[]> {
    return this.db
      .selectFrom('welfare_occurrences')
      .selectAll()
      .where('status', '=', 'missed')
      .where('kind', '=', 'check_in')
      .where('alerted_at', 'is', null)
      .where('deadline_at', 'is not', null)
      .execute();
  }

  async alerted(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('welfare_occurrences')
      .set({ alerted_at: at })
      .where('id', '=', id)
      .where('alerted_at', 'is', null)
      .where('deadline_at', 'is not', null)
      .execute();
  }
}
