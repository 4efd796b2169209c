import type { Logger } from 'pino';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import { inChunks } from '../store/in-chunks.js';
import type { RollupTable } from '../store/schema.js';
import type { StoredEvent } from './event-log.js';
import type { Reading } from './readings.js';

const minuteMs = 60_000;
/** A minute is written once it is this far in the past (late readings still find it open). */
const closeAfterMs = 90_000;
/** Rows per insert and transaction (about 20 columns each: well under SQLite's 32,766 parameters). */
const FLUSH_CHUNK_ROWS = 250;
/** A radar gap longer than this is not attributed to the last posture: the radar was silent. */
const maxPostureGapMs = 60_000;

type Row = RollupTable;
type Stat = 'hr' | 'spo2' | 'br';

/** A minute with nothing in it yet. */
export function emptyRow(deviceId: string, minute: number, elderId: string | null): Row {
  return {
    device_id: deviceId,
    minute,
    elder_id: elderId,
    hr_min: null,
    hr_max: null,
    hr_sum: 0,
    hr_count: 0,
    spo2_min: null,
    spo2_max: null,
    spo2_sum: 0,
    spo2_count: 0,
    br_min: null,
    br_max: null,
    br_sum: 0,
    br_count: 0,
    steps: null,
    presence_ms: 0,
    standing_ms: 0,
    sitting_ms: 0,
    lying_ms: 0,
    door_openings: 0,
  };
}

function addStat(row: Row, stat: Stat, value: number | undefined): void {
  if (value === undefined) return;
  const min = row[`${stat}_min`];
  const max = row[`${stat}_max`];
  row[`${stat}_min`] = min === null ? value : Math.min(min, value);
  row[`${stat}_max`] = max === null ? value : Math.max(max, value);
  row[`${stat}_sum`] += value;
  row[`${stat}_count`] += 1;
}

/** Merges minute `b` into `a` (late readings for a minute already written). */
export function mergeRows(a: Row, b: Row): Row {
  const merged = { ...a };
  for (const stat of ['hr', 'spo2', 'br'] as const) {
    const mins = [a[`${stat}_min`], b[`${stat}_min`]].filter((v): v is number => v !== null);
    const maxs = [a[`${stat}_max`], b[`${stat}_max`]].filter((v): v is number => v !== null);
    merged[`${stat}_min`] = mins.length ? Math.min(...mins) : null;
    merged[`${stat}_max`] = maxs.length ? Math.max(...maxs) : null;
    merged[`${stat}_sum`] = a[`${stat}_sum`] + b[`${stat}_sum`];
    merged[`${stat}_count`] = a[`${stat}_count`] + b[`${stat}_count`];
  }
  merged.steps = a.steps === null ? b.steps : b.steps === null ? a.steps : Math.max(a.steps, b.steps);
  for (const key of ['presence_ms', 'standing_ms', 'sitting_ms', 'lying_ms', 'door_openings'] as const) {
    merged[key] = a[key] + b[key];
  }
  return merged;
}

/**
 * One-minute summaries per device in the SQL store, for charts without InfluxDB:
 * heart rate, SpO2 and breathing rate (min, max, sum, count), steps, presence and
 * posture time from the radar, door openings. Open minutes live in memory (at most
 * a few per device); closed ones are written every `flushMs`.
 */
export class MinuteRollups {
  private readonly open = new Map<string, Row>();
  /** Each device's latest open minute: the common case needs no key string per reading. */
  private readonly current = new Map<string, Row>();
  private readonly lastPosture = new Map<string, { ts: number; presence: boolean; posture: string }>();
  private readonly unsubscribe: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];
  /**
   * The flush and the expiry running now: flushes run one after another, and `stop()` waits for them
   * (a periodic flush still writing its chunks when the store closed lost them).
   */
  private flushing: Promise<void> = Promise.resolve();
  private expiring: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Database;
      readings: Channel<Reading>;
      events: Channel<StoredEvent>;
      now: () => number;
      logger: Logger;
      retentionDays: number;
      flushMs: number;
    },
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.deps.readings.subscribe((r) => this.addReading(r)),
      this.deps.events.subscribe((e) => this.addEvent(e)),
    );
    this.timers = [
      setInterval(() => void this.flush(false), this.deps.flushMs),
      setInterval(() => {
        this.expiring = this.expire().catch((error: unknown) =>
          this.deps.logger.error({ err: error }, 'old rollups not removed; retried in an hour'),
        );
      }, 3_600_000),
    ];
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    for (const t of this.timers) clearInterval(t);
    await this.flush(true);
    await this.expiring;
  }

  addReading(reading: Reading): void {
    const d = reading.data;
    const row = this.row(reading.deviceId, reading.elderId, reading.ts);
    addStat(row, 'hr', d.heart_rate);
    addStat(row, 'spo2', d.spo2);
    addStat(row, 'br', d.breathing_rate);
    if (d.steps !== undefined) row.steps = row.steps === null ? d.steps : Math.max(row.steps, d.steps);
    if (d.presence !== undefined && d.posture !== undefined) {
      // The time since the radar's previous report belongs to the posture it reported then.
      const previous = this.lastPosture.get(reading.deviceId);
      if (previous && reading.ts > previous.ts && reading.ts - previous.ts <= maxPostureGapMs) {
        const span = reading.ts - previous.ts;
        const at = this.row(reading.deviceId, reading.elderId, previous.ts);
        if (previous.presence) at.presence_ms += span;
        if (previous.posture === 'standing') at.standing_ms += span;
        else if (previous.posture === 'sitting') at.sitting_ms += span;
        else if (previous.posture === 'lying') at.lying_ms += span;
      }
      this.lastPosture.set(reading.deviceId, { ts: reading.ts, presence: d.presence, posture: d.posture });
    }
  }

  addEvent(event: StoredEvent): void {
    if (event.measured?.contact === 'open') {
      this.row(event.deviceId, event.elderId, event.ts).door_openings += 1;
    }
  }

  /**
   * Writes closed minutes (all of them when `everything`), after any flush already running; a minute
   * written before is merged.
   */
  flush(everything: boolean): Promise<void> {
    const next = this.flushing.then(() => this.flushNow(everything));
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async flushNow(everything: boolean): Promise<void> {
    const cutoff = this.deps.now() - closeAfterMs;
    const closed: Row[] = [];
    for (const [key, row] of this.open) {
      if (everything || row.minute + minuteMs <= cutoff) {
        closed.push(row);
        this.open.delete(key);
        if (this.current.get(row.device_id) === row) this.current.delete(row.device_id);
      }
    }
    // In chunks, each its own transaction: at 5,000 homes one transaction of every device's
    // minute blocked the hub for ~230 ms.
    let written = 0;
    try {
      await inChunks(closed, FLUSH_CHUNK_ROWS, async (chunk) => {
        await this.write(chunk);
        written += chunk.length;
      });
    } catch (error) {
      // Put the failed chunk and the rest back: the next flush tries again.
      for (const row of closed.slice(written)) {
        const key = `${row.device_id}:${row.minute}`;
        const newer = this.open.get(key);
        this.open.set(key, newer ? mergeRows(row, newer) : row);
      }
      this.deps.logger.error(
        { err: error, minutes: closed.length - written },
        'rollups not written; will retry',
      );
    }
  }

  /** One multi-row insert; the few minutes written before (late readings) are merged one by one. */
  private async write(rows: Row[]): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('rollups_1m')
        .values(rows)
        .onConflict((oc) => oc.columns(['device_id', 'minute']).doNothing())
        .returning(['device_id', 'minute'])
        .execute();
      if (inserted.length === rows.length) return;
      const written = new Set(inserted.map((r) => `${r.device_id}:${r.minute}`));
      for (const row of rows) {
        if (written.has(`${row.device_id}:${row.minute}`)) continue;
        const stored = await trx
          .selectFrom('rollups_1m')
          .selectAll()
          .where('device_id', '=', row.device_id)
          .where('minute', '=', row.minute)
          .executeTakeFirstOrThrow();
        const { device_id, minute, ...merged } = mergeRows(stored, row);
        await trx
          .updateTable('rollups_1m')
          .set(merged)
          .where('device_id', '=', device_id)
          .where('minute', '=', minute)
          .execute();
      }
    });
  }

  /** Deletes minutes older than the retention. */
  async expire(): Promise<void> {
    const before = this.deps.now() - this.deps.retentionDays * 86_400_000;
    await this.deps.db.deleteFrom('rollups_1m').where('minute', '<', before).execute();
  }

  private row(deviceId: string, elderId: string | null, ts: number): Row {
    const minute = Math.floor(ts / minuteMs) * minuteMs;
    const latest = this.current.get(deviceId);
    if (latest?.minute === minute) return latest;
    const key = `${deviceId}:${minute}`;
    let row = this.open.get(key);
    if (!row) {
      row = emptyRow(deviceId, minute, elderId);
      this.open.set(key, row);
    }
    if (!latest || minute > latest.minute) this.current.set(deviceId, row);
    return row;
  }
}
