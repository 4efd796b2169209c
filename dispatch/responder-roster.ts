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
    const rows = await this.deps.db
      .selectFrom('responder_state')
      .select(['responder_id', 'on_duty', 'lat', 'lon', 'task_alert_id', 'app_offline_since'])
      .execute();
    const state = new Map(rows.map((s) => [s.responder_id, s]));
    const pushed = new Set(
      (await this.deps.db.selectFrom('push_subscriptions').select('responder_id').distinct().execute()).map(
        (p) => p.responder_id,
      ),
    );
    this.responders.clear();
    for (const r of this.deps.district.responders()) {
      const s = state.get(r.id);
      this.responders.set(r.id, {
        id: r.id,
        name: r.name,
        kind: r.kind,
        orgUnitId: r.orgUnitId,
        orgUnitPath: r.orgUnitPath,
        skills: new Set(r.skills),
        skillsUntil: r.skillsUntil,
        onDuty: s?.on_duty === 1,
        lat: s?.lat ?? r.lat,
        lon: s?.lon ?? r.lon,
        taskAlertId: s?.task_alert_id ?? null,
        appOfflineSince: s?.app_offline_since ?? null,
        pushReachable: pushed.has(r.id),
      });
    }
    this.index = undefined;
  }

  get(id: string): Responder | undefined {
    return this.responders.get(id);
  }

  all(): Responder[] {
    return [...this.responders.values()];
  }

  /** A responder moved: the index is rebuilt at the next match. */
  moved(id: string, lat: number, lon: number): void {
    const r = this.responders.get(id);
    if (!r) return;
    r.lat = lat;
    r.lon = lon;
    this.index = undefined;
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
