import { around, distance } from 'geokdbush';
import KDBush from 'kdbush';
import type { LadderStep, Skill } from '../alerts/ladders.js';
import type { Database } from '../store/database.js';

export interface Responder {
  id: string;
  name: string;
  kind: 'volunteer' | 'staff';
  orgUnitId: string;
  /** The responder's org unit path, to match "same community". */
  orgUnitPath: string;
  skills: Set<Skill>;
  onDuty: boolean;
  lat: number | null;
  lon: number | null;
  /** The alert the responder has accepted: one task at a time. */
  taskAlertId: string | null;
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

  constructor(private readonly deps: { db: Database }) {}

  async load(): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('responders as r')
      .innerJoin('org_units as o', 'o.id', 'r.org_unit_id')
      .leftJoin('responder_state as s', 's.responder_id', 'r.id')
      .select(['r.id', 'r.name', 'r.kind', 'r.org_unit_id', 'o.path', 'r.skills', 'r.lat', 'r.lon'])
      .select(['s.on_duty', 's.lat as live_lat', 's.lon as live_lon', 's.task_alert_id'])
      .execute();
    this.responders.clear();
    for (const r of rows) {
      this.responders.set(r.id, {
        id: r.id,
        name: r.name,
        kind: r.kind as Responder['kind'],
        orgUnitId: r.org_unit_id,
        orgUnitPath: r.path,
        skills: new Set(JSON.parse(r.skills) as Skill[]),
        onDuty: r.on_duty === 1,
        lat: r.live_lat ?? r.lat,
        lon: r.live_lon ?? r.lon,
        taskAlertId: r.task_alert_id ?? null,
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
   * no task), not excluded (already offered or declined), by kind, radius, skills and community.
   */
  match(
    home: { lat: number; lon: number },
    step: LadderStep,
    communityPath: string,
    exclude: Set<string>,
  ): Candidate[] {
    const index = this.spatialIndex();
    const pick = (kind: Responder['kind'], count: number, radiusM: number, skills: Skill[]): Candidate[] => {
      if (count <= 0 || this.indexed.length === 0) return [];
      const ids = around(index, home.lon, home.lat, count, radiusM / 1000, (i: number) => {
        const r = this.indexed[i]!;
        return (
          r.kind === kind &&
          r.onDuty &&
          r.taskAlertId === null &&
          !exclude.has(r.id) &&
          skills.every((s) => r.skills.has(s)) &&
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
