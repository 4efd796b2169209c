import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { EventLog } from '../ingest/event-log.js';
import type { Stage } from '../kernel/stage.js';
import type { Database } from '../store/database.js';

const dayMs = 86_400_000;
/** Rows per delete: each batch is short, so the connection that stores events before PUBACK stays free. */
const batchRows = 2000;
/** Closed alerts whose timeline one batch clears. */
const alertBatch = 200;

/** How long each kind of personal data is kept, in days; 0 keeps it. One-minute rollups expire in ingest. */
export interface RetentionSettings {
  /** Raw device events (the event log), handled ones only. */
  deviceEventDays: number;
  /** The timeline, offers and evidence of an alert closed this long ago (its row stays for reports). */
  closedAlertDays: number;
  /** Entries of the audit log. */
  auditDays: number;
  /** How often the sweep runs. */
  sweepMs: number;
}

export interface RetentionSweep {
  device_events: number;
  alert_timelines: number;
  audit_entries: number;
  /** Minutes of an erased elder written after the erasure (still open in memory then). */
  erased_rollups: number;
  /** Events stored under an erased elder as the erasure ran (read her as the owner before it committed). */
  erased_events: number;
}

/**
 * Deletes what is older than its retention, every `sweepMs`. PIPL: personal information is kept
 * no longer than its purpose needs; each kind has its own period, set by the operator.
 */
export class Retention implements Stage {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Database;
      eventLog: Pick<EventLog, 'expire' | 'forgetErased'>;
      settings: RetentionSettings;
      now: () => number;
      logger: Logger;
      /** Cluster mode: whether this process is the one that sweeps (the others skip). Always, when unset. */
      leads?: (() => boolean) | undefined;
    },
  ) {}

  start(): void {
    // The first sweep waits one period too: a start stays quick however much has expired.
    this.timer = setInterval(() => {
      if (this.deps.leads && !this.deps.leads()) return;
      this.running = this.sweep().catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'retention sweep failed; retried at the next one'),
      );
    }, this.deps.settings.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every kind; what it deleted. */
  async sweep(): Promise<RetentionSweep> {
    const { deviceEventDays, closedAlertDays, auditDays } = this.deps.settings;
    const now = this.deps.now();
    const done: RetentionSweep = {
      device_events:
        deviceEventDays > 0
          ? await this.inBatches(() => this.deps.eventLog.expire(now - deviceEventDays * dayMs, batchRows))
          : 0,
      alert_timelines:
        closedAlertDays > 0
          ? await this.inBatches(() => this.alertTimelines(now - closedAlertDays * dayMs))
          : 0,
      audit_entries:
        auditDays > 0 ? await this.inBatches(() => this.auditEntries(now - auditDays * dayMs)) : 0,
      erased_rollups: await this.erasedRollups(),
      erased_events: await this.deps.eventLog.forgetErased(),
    };
    if (Object.values(done).some((n) => n > 0)) {
      this.deps.logger.info(done, 'expired data deleted');
    }
    return done;
  }

  private async inBatches(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await batch();
      total += n;
      if (n === 0) return total;
      await yieldToEvents();
    }
  }

  /** Clears the timeline, offers and evidence of a batch of alerts closed before `before`. */
  private async alertTimelines(before: number): Promise<number> {
    const { db } = this.deps;
    const rows = await db
      .selectFrom('alerts as a')
      .select('a.id')
      .where('a.closed_at', '<', before)
      .where((eb) =>
        eb.or([
          eb('a.details', '<>', '{}'),
          eb.exists(
            eb.selectFrom('alert_transitions as t').select('t.alert_id').whereRef('t.alert_id', '=', 'a.id'),
          ),
          eb.exists(eb.selectFrom('offers as f').select('f.alert_id').whereRef('f.alert_id', '=', 'a.id')),
        ]),
      )
      .limit(alertBatch)
      .execute();
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return 0;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_transitions').where('alert_id', 'in', ids).execute();
      await trx.deleteFrom('offers').where('alert_id', 'in', ids).execute();
      await trx.updateTable('alerts').set({ details: '{}' }).where('id', 'in', ids).execute();
    });
    return ids.length;
  }

  private async erasedRollups(): Promise<number> {
    const { db } = this.deps;
    const result = await db
      .deleteFrom('rollups_1m')
      .where('elder_id', 'in', db.selectFrom('elders').select('id').where('erased_at', 'is not', null))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async auditEntries(before: number): Promise<number> {
    const { db } = this.deps;
    const result = await db
      .deleteFrom('audit_entries')
      .where(
        'id',
        'in',
        db.selectFrom('audit_entries').select('id').where('at', '<', before).limit(batchRows),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
