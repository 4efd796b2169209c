import { IncidentLedger } from '../../alerts/incident-ledger.js';
import type { Measurements } from '../../devices/capabilities.js';
import type { StoredEvent } from '../../ingest/event-log.js';
import type { Reading } from '../../ingest/readings.js';
import type { ElderEntry, HomeDevice } from '../../registry/district-directory.js';
import { type DetectorDeps, DetectorRun } from './detector-deps.js';
import { distanceMeters, fenceSide } from './geofence.js';
import { inLocalHours, type LocalHours } from './local-hours.js';

export interface WanderingRules {
  /** The person's quiet hours, local time (may wrap midnight). */
  quietHours: LocalHours;
  /** A door opened in quiet hours with no return within this long: `wandering`. */
  returnWindowMs: number;
  /** The home's fence around the elder's `lat`/`lon` (m). */
  geofenceRadiusM: number;
  tickMs: number;
  reconcileMs: number;
  /** Per-person settings by elder id, e.g. a later bedtime. */
  perElder: Record<string, Partial<{ quietHours: LocalHours; geofenceRadiusM: number }>>;
}

export const defaultWanderingRules: WanderingRules = {
  quietHours: { startHour: 23, endHour: 5, utcOffsetMinutes: 8 * 60 },
  returnWindowMs: 10 * 60_000,
  geofenceRadiusM: 300,
  tickMs: 1000,
  reconcileMs: 60_000,
  perElder: {},
};

interface ElderWandering {
  id: string;
  lat: number | null;
  lon: number | null;
  quietHours: LocalHours;
  radiusM: number;
  /** Hub time the door opened in quiet hours with no return seen since; null when home. */
  outSince: number | null;
  doorId: string;
  /** Hub time the door last closed while the person was out: presence after it is a return. */
  closedAt: number | null;
  /** The watch was outside the fence since the person went out: a fix inside is a return. */
  watchOut: boolean;
  /** The open incident already says where the watch was found outside. */
  fenceReported: boolean;
}

/**
 * Night wandering. The entrance door opens in the person's quiet hours and no return follows
 * within `returnWindowMs` — a return is the door closing and then the radar seeing someone
 * at home, or the watch coming back inside the home's fence — or the watch is outside the
 * fence in quiet hours (at once): `wandering`, high, one incident per elder. It clears itself
 * when the person is back (`returned_home`).
 */
export class NightWandering {
  private readonly elders = new Map<string, ElderWandering>();
  /** Elders out through the door and not yet alerted: the tick looks at these only. */
  private readonly due = new Set<ElderWandering>();
  private readonly ledger: IncidentLedger;
  private readonly run = new DetectorRun();

  constructor(private readonly deps: DetectorDeps<WanderingRules>) {
    this.ledger = new IncidentLedger({
      db: deps.db,
      alerts: deps.alerts,
      kind: 'wandering',
      logger: deps.logger,
      raiseFailed: (elderId) => this.raiseFailed(elderId),
    });
  }

  async start(): Promise<void> {
    await this.ledger.load();
    const homes = this.loadHomes();
    // Whoever was out when the hub went down is still out; the alert says whether the watch was.
    for (const elderId of this.ledger.elders()) {
      const incident = this.ledger.loadedIncident(elderId);
      const e = this.elder(elderId);
      e.outSince = incident?.openedAt ?? this.deps.now();
      e.fenceReported = incident?.details.location !== undefined;
      e.watchOut = e.fenceReported;
    }
    await this.replayDoorOpenings(homes);
    this.run.begin(this.deps, {
      reading: (r) => this.onReading(r),
      event: (e) => this.onEvent(e),
      tick: () => this.tick(),
      reconcile: () => this.reconcile(),
    });
  }

  async stop(): Promise<void> {
    this.run.end();
    await this.idle();
  }

  async idle(): Promise<void> {
    await this.ledger.idle();
  }

  /** After district changes: homes, fences and quiet hours from the store and the rules. */
  async reload(): Promise<void> {
    await this.loadHomes();
  }

  /** Raises for doors left without a return; public for tests with fake timers. */
  tick(): void {
    const now = this.deps.now();
    for (const e of this.due) {
      if (e.outSince === null || now < e.outSince + this.deps.rules.returnWindowMs) continue;
      this.due.delete(e);
      if (this.ledger.isOpen(e.id)) continue;
      this.ledger.raise(e.id, e.doorId, 'high', {
        reason: 'door_no_return',
        door_id: e.doorId,
        door_opened_at: e.outSince,
        return_window_ms: this.deps.rules.returnWindowMs,
      });
    }
  }

  /** A raise the store refused (taken back): the door is due again, the watch's next fix outside raises again. */
  private raiseFailed(elderId: string): void {
    const e = this.elders.get(elderId);
    if (!e) return;
    e.fenceReported = false;
    if (e.outSince !== null && !this.ledger.isOpen(elderId)) this.due.add(e);
  }

  private onEvent(event: StoredEvent): void {
    const contact = event.measured?.contact; // a door opened or closed
    if (contact === undefined || event.elderId === null) return;
    this.doorEvent(
      event.elderId,
      event.deviceId,
      contact === 'open' ? 'open' : 'close',
      event.ts,
      event.receivedAt,
    );
  }

  private doorEvent(elderId: string, doorId: string, type: string, ts: number, at: number): void {
    const e = this.elder(elderId);
    const out = e.outSince !== null || this.ledger.isOpen(elderId);
    if (type === 'open') {
      if (out) {
        e.closedAt = null; // opened again: going out again, or coming in — not back until seen
        return;
      }
      if (!inLocalHours(ts, e.quietHours)) return;
      e.outSince = at;
      e.doorId = doorId;
      e.closedAt = null;
      e.watchOut = false;
      this.due.add(e);
    } else if (type === 'close' && out) {
      e.closedAt = at;
    }
  }

  private onReading(r: Reading): void {
    if (r.elderId === null) return;
    if (r.data.presence === true) {
      const e = this.elders.get(r.elderId);
      if (e && e.closedAt !== null && r.receivedAt >= e.closedAt)
        this.returned(e, 'door_closed_and_presence');
    }
    const location = r.data.location;
    if (location !== undefined) {
      const e = this.elders.get(r.elderId);
      if (!e || e.lat === null || e.lon === null) return;
      const distance = distanceMeters(e.lat, e.lon, location.lat, location.lon);
      const side = fenceSide(distance, e.radiusM, location.accuracy_m ?? 0);
      if (side === 'inside') {
        if (e.watchOut) this.returned(e, 'watch_inside_fence');
      } else if (side === 'outside') {
        e.watchOut = true;
        if (inLocalHours(r.ts, e.quietHours)) this.outsideAtNight(e, r, distance, location);
      }
    }
  }

  private outsideAtNight(
    e: ElderWandering,
    r: Reading,
    distance: number,
    location: NonNullable<Measurements['location']>,
  ): void {
    if (this.ledger.isOpen(e.id) && e.fenceReported) return;
    e.fenceReported = true;
    this.due.delete(e);
    this.ledger.raise(e.id, r.deviceId, 'high', {
      reason: this.ledger.isOpen(e.id) ? 'door_no_return' : 'left_geofence',
      watch_id: r.deviceId,
      distance_m: Math.round(distance),
      geofence_radius_m: e.radiusM,
      location: { lat: location.lat, lon: location.lon, accuracy_m: location.accuracy_m ?? null },
      seen_outside_at: r.ts,
    });
  }

  private returned(e: ElderWandering, how: string): void {
    this.due.delete(e);
    e.outSince = null;
    e.closedAt = null;
    e.watchOut = false;
    e.fenceReported = false;
    if (this.ledger.isOpen(e.id)) {
      this.deps.logger.debug({ elder: e.id, how }, 'back home');
      this.ledger.clear(e.id, 'returned_home');
    }
  }

  /**
   * Door openings of the last return window, replayed at start from the stored device events
   * (stored before the door's PUBACK, so even one the hub crashed right after is there; read by
   * `received_at`, which is indexed): a door opened just before a restart is still followed.
   * What happened while the hub was down is not known: for everyone out through the door, it
   * counts as closed at the restart, so the radar seeing someone at home from then on is the
   * return. (Someone whose watch was seen outside comes back with it: for them it takes the
   * watch inside, or a door closing seen by this hub.)
   */
  private async replayDoorOpenings(homes: ElderEntry[]): Promise<void> {
    const now = this.deps.now();
    const doors = new Map<string, { elderId: string; type: HomeDevice['type'] }>();
    for (const home of homes) {
      for (const door of this.deps.district.devicesMeasuring(home.id, 'contact'))
        doors.set(door.id, { elderId: home.id, type: door.type });
    }
    // Every device's events of the window (few: events are rare), not each door's whole history.
    const rows = await this.deps.db
      .selectFrom('device_events')
      .select(['device_id', 'type', 'device_ts', 'received_at'])
      .where('received_at', '>=', now - this.deps.rules.returnWindowMs)
      .orderBy('received_at')
      .execute();
    for (const row of rows) {
      const door = doors.get(row.device_id);
      if (door?.type.events[row.type]?.sets?.contact === 'open')
        this.doorEvent(door.elderId, row.device_id, 'open', row.device_ts, row.received_at);
    }
    for (const e of this.elders.values()) if (e.outSince !== null && !e.watchOut) e.closedAt = now;
  }

  private async reconcile(): Promise<void> {
    try {
      await this.ledger.reconcile((elderId) => {
        const e = this.elders.get(elderId);
        if (e) this.returned(e, 'closed_at_console');
      });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'wandering incidents not reconciled; retried');
    }
  }

  private loadHomes(): ElderEntry[] {
    const homes = this.deps.district.homes();
    for (const home of homes) this.place(this.elder(home.id), home);
    return homes;
  }

  private place(e: ElderWandering, home: ElderEntry): void {
    e.lat = home.lat;
    e.lon = home.lon;
    this.settle(e);
  }

  /** The person's quiet hours and fence: their stored settings, else these rules' own for them, else the rules'. */
  private settle(e: ElderWandering): void {
    const { rules, district } = this.deps;
    const own = rules.perElder[e.id];
    const stored = district.elder(e.id)?.settings ?? {};
    const hours = own?.quietHours ?? rules.quietHours;
    e.quietHours = {
      ...hours,
      startHour: stored.quiet_start_hour ?? hours.startHour,
      endHour: stored.quiet_end_hour ?? hours.endHour,
    };
    e.radiusM = stored.geofence_radius_m ?? own?.geofenceRadiusM ?? rules.geofenceRadiusM;
  }

  private elder(elderId: string): ElderWandering {
    let e = this.elders.get(elderId);
    if (e) return e;
    e = {
      id: elderId,
      lat: null,
      lon: null,
      quietHours: this.deps.rules.quietHours,
      radiusM: this.deps.rules.geofenceRadiusM,
      outSince: null,
      doorId: '',
      closedAt: null,
      watchOut: false,
      fenceReported: false,
    };
    this.settle(e);
    this.elders.set(elderId, e);
    return e;
  }
}
