import { around, distance } from 'geokdbush';
import KDBush from 'kdbush';
import type { LadderStep, Skill } from '../alerts/ladders.js';
import { holdsSkill, type SkillValidity } from '../registry/certificates.js';
import type { DistrictDirectory } from '../registry/district-directory.js';
import type { Database } from '../store/database.js';
import type { DispatchTimings } from './dispatch-timings.js';
import { availability } from './responder-availability.js';

export interface Responder {
  id: string;
  name: string;
  kind: 'volunteer' | 'staff';
  orgUnitId: string;
  /** The responder's org unit path, to match "same community". */
  orgUnitPath: string;
  skills: Set<Skill>;
  /** Skills that count only until a certificate expires. */
  skillsUntil: SkillValidity;
  onDuty: boolean;
  lat: number | null;
  lon: number | null;
  /** The alert the responder has accepted: one task at a time. */
  taskAlertId: string | null;
  /** When the responder's app lost its connection (null: connected, or never used). */
  appOfflineSince: number | null;
  /** Holds a Web Push subscription (dispatch/push/): reachable with the app closed. */
  pushReachable: boolean;
}

/** How far apart the clocks of the processes writing responder state may be. */
const stateClockDriftMs = 5_000;

type StateRow = Awaited<ReturnType<ResponderRoster['stateRows']>>[number];

export interface Candidate {
  responder: Responder;
  distanceM: number;
}

/**
 * Responders and where they are, with a spatial index (kdbush) for matching: the
 * index is rebuilt lazily after positions change, so a match stays well under 1 ms
 * for 10,000 responders.
 */
export class ResponderRoster {
  private readonly responders = new Map<string, Responder>();
  private index: KDBush | undefined;
  private indexed: Responder[] = [];
  /** The latest `updated_at` of responder state read: `catchUp()` reads what changed from there. */
  private readUpTo = 0;
  private readsInFlight = 0;
  private changedDuringReads: Array<{ id: string; change: (r: Responder) => void }> = [];

  constructor(
    private readonly deps: {
      db: Database;
      /** Who the responders are (master data); their duty, position and task are dispatch's own. */
      district: Pick<DistrictDirectory, 'responders'>;
      timings: Pick<DispatchTimings, 'appOfflineGraceMs'>;
      now: () => number;
    },
  ) {}

  /** The district's responders with their state as stored now (after a change, or another node's writes). */
  async load(): Promise<void> {
    await this.reading(async () => {
      const rows = await this.stateRows();
      const pushed = await this.pushed();
      return () => this.rebuild(rows, pushed);
    });
  }

  private rebuild(rows: StateRow[], pushed: Set<string>): void {
    const state = new Map(rows.map((s) => [s.responder_id, s]));
    this.responders.clear();
    for (const r of this.deps.district.responders()) {
      const responder: Responder = {
        id: r.id,
        name: r.name,
        kind: r.kind,
        orgUnitId: r.orgUnitId,
        orgUnitPath: r.orgUnitPath,
        skills: new Set(r.skills),
        skillsUntil: r.skillsUntil,
        onDuty: false,
        lat: r.lat,
        lon: r.lon,
        taskAlertId: null,
        appOfflineSince: null,
        pushReachable: false,
      };
      this.takeState(responder, state.get(r.id), pushed);
      this.responders.set(r.id, responder);
    }
    this.index = undefined;
  }

  /**
   * Applies the responder state other processes stored since the last read (cluster mode, before a
   * ladder round: duty, position, task, app and push reach the ladder's owner whatever process the
   * responder's phone talks to). Rows are re-read from a little before the last one seen: clocks of
   * different machines drift, and applying a row twice changes nothing.
   */
  async catchUp(): Promise<void> {
    await this.reading(async () => {
      const rows = await this.stateRows(this.readUpTo - stateClockDriftMs);
      const pushed = rows.length > 0 ? await this.pushed(rows.map((r) => r.responder_id)) : new Set<string>();
      return () => {
        for (const s of rows) {
          const r = this.responders.get(s.responder_id);
          if (r) this.takeState(r, s, pushed);
        }
      };
    });
  }

  /** The stored state onto the responder (none stored: off duty, where the district places them). */
  private takeState(r: Responder, s: StateRow | undefined, pushed: Set<string>): void {
    r.onDuty = s?.on_duty === 1;
    if (s && s.lat !== null && s.lon !== null) this.place(r, s.lat, s.lon);
    r.taskAlertId = s?.task_alert_id ?? null;
    r.appOfflineSince = s?.app_offline_since ?? null;
    r.pushReachable = pushed.has(r.id);
  }

  /** A new position: the spatial index is rebuilt at the next match. */
  private place(r: Responder, lat: number, lon: number): void {
    if (r.lat === lat && r.lon === lon) return;
    r.lat = lat;
    r.lon = lon;
    this.index = undefined;
  }

  /**
   * Changes this process makes (duty, position, task, app) while a read of the store is in flight:
   * the read may predate the change's write, so what it applies would undo the change. They are
   * applied again after it (a volunteer going on duty as the district changes stays on duty). In a
   * cluster, a newer write of another process read meanwhile is read again at the next catch-up.
   */
  update(id: string, change: (r: Responder) => void): void {
    const r = this.responders.get(id);
    if (r) change(r);
    if (this.readsInFlight > 0) this.changedDuringReads.push({ id, change });
  }

  /** Reads the store, applies what `read` returns, then the changes made meanwhile. */
  private async reading(read: () => Promise<() => void>): Promise<void> {
    const from = this.changedDuringReads.length;
    this.readsInFlight++;
    try {
      const apply = await read();
      apply();
      for (const { id, change } of this.changedDuringReads.slice(from)) {
        const r = this.responders.get(id);
        if (r) change(r);
      }
    } finally {
      // Cleared only when no read is in flight: a read still running holds its index into the list.
      if (--this.readsInFlight === 0) this.changedDuringReads = [];
    }
  }

  private async stateRows(since?: number) {
    let query = this.deps.db
      .selectFrom('responder_state')
      .select(['responder_id', 'on_duty', 'lat', 'lon', 'task_alert_id', 'app_offline_since', 'updated_at']);
    if (since !== undefined) query = query.where('updated_at', '>=', since);
    const rows = await query.execute();
    for (const r of rows) this.readUpTo = Math.max(this.readUpTo, r.updated_at);
    return rows;
  }

  /** Responders (of `ids`, or all) holding a Web Push subscription. */
  private async pushed(ids?: string[]): Promise<Set<string>> {
    let query = this.deps.db.selectFrom('push_subscriptions').select('responder_id').distinct();
    if (ids) query = query.where('responder_id', 'in', ids);
    return new Set((await query.execute()).map((p) => p.responder_id));
  }

  get(id: string): Responder | undefined {
    return this.responders.get(id);
  }

  all(): Responder[] {
    return [...this.responders.values()];
  }

  /** A responder moved: the index is rebuilt at the next match. */
  moved(id: string, lat: number, lon: number): void {
    this.update(id, (r) => this.place(r, lat, lon));
  }

  /**
   * The responders a ladder step offers the task to, nearest first: available (on duty,
   * no task, the app reachable), not excluded (already offered or declined), by kind, radius, skills and community.
   */
  match(
    home: { lat: number; lon: number },
    step: LadderStep,
    communityPath: string,
    exclude: Set<string>,
  ): Candidate[] {
    const index = this.spatialIndex();
    const now = this.deps.now();
    const grace = this.deps.timings.appOfflineGraceMs;
    const pick = (kind: Responder['kind'], count: number, radiusM: number, skills: Skill[]): Candidate[] => {
      if (count <= 0 || this.indexed.length === 0) return [];
      const ids = around(index, home.lon, home.lat, count, radiusM / 1000, (i: number) => {
        const r = this.indexed[i]!;
        return (
          r.kind === kind &&
          availability(r, now, grace) === 'on_duty' &&
          !exclude.has(r.id) &&
          skills.every((s) => holdsSkill(r, s, now)) &&
          (!step.sameCommunity || r.orgUnitPath.startsWith(communityPath))
        );
      }) as number[];
      return ids.map((i) => {
        const r = this.indexed[i]!;
        return { responder: r, distanceM: Math.round(distance(home.lon, home.lat, r.lon!, r.lat!) * 1000) };
      });
    };
    return [
      ...pick('staff', step.staff, step.staffRadiusM, []),
      ...pick('volunteer', step.volunteers, step.radiusM, step.skills),
    ];
  }

  private spatialIndex(): KDBush {
    if (this.index) return this.index;
    this.indexed = [...this.responders.values()].filter((r) => r.lat !== null && r.lon !== null);
    const index = new KDBush(Math.max(1, this.indexed.length));
    for (const r of this.indexed) index.add(r.lon!, r.lat!);
    if (this.indexed.length === 0) index.add(0, 0);
    index.finish();
    this.index = index;
    return index;
  }
}
