import type { Logger } from 'pino';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { Channel } from '../kernel/channel.js';
import type { Database } from '../store/database.js';
import { inChunks } from '../store/in-chunks.js';
import { afterDaytime, type Daytime } from './daytime.js';
import type { AvailabilityChange } from './device-intake.js';
import type { StoredEvent } from './event-log.js';
import type { LastHeard } from './last-heard.js';
import type { Reading } from './readings.js';
import { silenceCountedFrom } from './silence-clock.js';

/** What can be wrong with a device; each is an alert kind of the same name. */
export const healthConditions = ['device_offline', 'low_battery', 'not_worn'] as const;
export type HealthCondition = (typeof healthConditions)[number];

/** A condition began (with what was seen) or ended (with why): published, never raised here. */
export type HealthChange =
  | {
      deviceId: string;
      condition: HealthCondition;
      change: 'began';
      details: Record<string, unknown>;
      /** Its alert could not be stored: the condition counts as not begun, and begins again at the next tick. */
      failed: () => void;
    }
  | { deviceId: string; condition: HealthCondition; change: 'ended'; outcome: string };

export interface HealthRules {
  /** `low_battery` at or below this (%); cleared once a reading is at or above `batteryClearPercent`. */
  lowBatteryPercent: number;
  batteryClearPercent: number;
  /** `not_worn` once a watch has been off the wrist this long in the daytime. */
  notWornAfterMs: number;
  daytime: Daytime;
  /** How often due times are checked: an alert fires at most this long after it is due. */
  tickMs: number;
  /** How often changed health (online, battery, worn) is written to the store (it survives restarts). */
  persistMs: number;
  /**
   * How often a newer "last seen" alone is written: every device speaks every few seconds, and
   * rewriting all of them every `persistMs` blocked the hub (~200 ms at 15,000 devices). The
   * API shows this node's live view; after a restart silence counts from the stored time, which may
   * be this much older than the device's last message (its alert that much early).
   */
  seenPersistMs: number;
  /** After a start or takeover, a device silent past its limit while the hub was briefly down has this long to speak. */
  reconnectGraceMs: number;
}

export const defaultHealthRules: HealthRules = {
  lowBatteryPercent: 15,
  batteryClearPercent: 20,
  notWornAfterMs: 30 * 60_000,
  daytime: { startHour: 7, endHour: 22, utcOffsetMinutes: 8 * 60 },
  tickMs: 1000,
  persistMs: 5000,
  seenPersistMs: 60_000,
  reconnectGraceMs: 30_000,
};

interface DeviceState {
  id: string;
  type: string;
  /** Its slot in `LastHeard`. */
  slot: number;
  silenceTimeoutMs: number;
  lastSeenAt: number | null;
  online: boolean;
  battery: number | null;
  worn: boolean | null;
  notWornSince: number | null;
  notWornDueAt: number;
  /** Which of this device's conditions are on (so each begins once and always ends). */
  active: Set<HealthCondition>;
  dirty: boolean;
  /** Only `lastSeenAt` changed since the last write. */
  seenDirty: boolean;
  /** The hub's deaf time (see `deafMs`) when the device was last seen. */
  deafAtSeen: number;
  /** This process watches it (in cluster mode, its elder's partition is ours; else always). */
  owned: boolean;
  /** Silence is counted from here at the earliest (see `silenceCountedFrom`): set at the start or takeover. */
  watchedSince: number;
}

/** Timer lateness below this is scheduling noise, not a stall. */
const STALL_NOISE_MS = 10;

/**
 * Device health: last seen, battery, worn, online. A device that was seen and goes silent past
 * its catalog timeout is `device_offline` (its silence keeps counting across a hub restart or a
 * takeover from the stored last sighting; see `silenceCountedFrom`); a low battery is `low_battery`, a watch
 * off the wrist `not_worn`. Each condition's beginning and end is published on `changes`
 * (the alerts layer turns them into alerts that clear themselves).
 */
export class DeviceHealth {
  private readonly devices = new Map<string, DeviceState>();
  /** The same states by `LastHeard` slot; null: forgotten (revoked), not to be tracked again when heard. */
  private readonly bySlot: Array<DeviceState | null | undefined> = [];
  private readonly unsubscribe: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];
  private startedAt = 0;
  /**
   * How long, on the hub's clock, its event loop was stalled since start (GC, a starved CPU):
   * time in which it read no socket. Like the time before a restart, it is not a device's
   * silence — otherwise one stall would take every radar "offline" at once.
   */
  private deafMs = 0;
  private lastTick: { wall: number; now: number } | null = null;
  private seenPersistedAt = 0;
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: Database;
      catalog: DeviceCatalog;
      changes: Channel<HealthChange>;
      /** Devices whose condition was on when the hub last stopped (the alert book knows). */
      conditionsOn: (condition: HealthCondition) => Promise<string[]>;
      readings: Channel<Reading>;
      events: Channel<StoredEvent>;
      availability: Channel<AvailabilityChange>;
      /** Every telemetry message marks its device here as it arrives, shed or not (read on each tick). */
      heard: LastHeard;
      now: () => number;
      /** A monotonic wall clock in ms (stall detection); performance.now by default. */
      wall?: () => number;
      logger: Logger;
      rules: HealthRules;
      /**
       * Whether this process watches a device (cluster mode: its elder's partition is this process's;
       * the readings of those devices are carried here from every process). All, when unset.
       */
      owns?: (deviceId: string) => boolean;
    },
  ) {}

  async start(): Promise<void> {
    const { db } = this.deps;
    this.startedAt = this.deps.now();
    this.seenPersistedAt = this.startedAt;
    this.lastTick = null;
    const rows = await db
      .selectFrom('devices as d')
      .leftJoin('device_health as h', 'h.device_id', 'd.id')
      .select(['d.id', 'd.type', 'h.last_seen_at', 'h.online', 'h.battery', 'h.worn', 'h.not_worn_since'])
      .where('d.revoked_at', 'is', null)
      .execute();
    for (const row of rows) {
      const state = this.track(row.id, row.type);
      state.lastSeenAt = row.last_seen_at ?? null;
      this.countSilence(state, this.startedAt);
      state.online = row.online === 1;
      state.battery = row.battery ?? null;
      state.worn = row.worn === null || row.worn === undefined ? null : row.worn === 1;
      this.setNotWorn(state, row.not_worn_since ?? null);
      state.dirty = false;
    }
    await this.loadConditions();
    this.unsubscribe.push(
      this.deps.readings.subscribe((r) => this.onReading(r)),
      this.deps.events.subscribe((e) => this.onEvent(e)),
      this.deps.availability.subscribe((a) => this.onAvailability(a)),
    );
    this.timers = [
      setInterval(() => this.tick(), this.deps.rules.tickMs),
      setInterval(() => {
        this.persisting = this.persist();
      }, this.deps.rules.persistMs),
    ];
    this.tick();
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    for (const t of this.timers) clearInterval(t);
    await this.idle();
    await this.persist(true);
  }

  /** Resolves once the latest write has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.persisting;
  }

  /**
   * Partitions changed hands (cluster mode): a device taken over is watched from now — its silence
   * counting from its last sighting, here or stored (the old owner's), as after a restart — with the
   * conditions the store has on; one given up is not judged here any more.
   */
  async takeOver(): Promise<void> {
    const gained = [...this.devices.values()].filter((s) => this.owns(s.id) && !s.owned).map((s) => s.id);
    // Only the gained devices' rows: a takeover gains some partitions, not the whole district.
    const lastSeen = new Map<string, number | null>();
    await inChunks(gained, 500, async (ids) => {
      const rows = await this.deps.db
        .selectFrom('device_health')
        .select(['device_id', 'last_seen_at'])
        .where('device_id', 'in', ids)
        .execute();
      for (const r of rows) lastSeen.set(r.device_id, r.last_seen_at);
    });
    const now = this.deps.now();
    for (const state of this.devices.values()) {
      const owned = this.owns(state.id);
      if (owned && !state.owned) {
        const at = lastSeen.get(state.id);
        if (at != null && Number(at) > (state.lastSeenAt ?? 0)) state.lastSeenAt = Number(at);
        this.countSilence(state, now);
      }
      state.owned = owned;
    }
    await this.loadConditions();
  }

  private countSilence(state: DeviceState, at: number): void {
    state.watchedSince = silenceCountedFrom({
      lastSeenAt: state.lastSeenAt,
      silenceTimeoutMs: state.silenceTimeoutMs,
      at,
      graceMs: this.deps.rules.reconnectGraceMs,
    });
  }

  /** The conditions on in the alert book, for the devices watched here (the others' are not ours to end). */
  private async loadConditions(): Promise<void> {
    const on = await Promise.all(healthConditions.map((c) => this.deps.conditionsOn(c)));
    for (const state of this.devices.values()) state.active.clear();
    healthConditions.forEach((condition, i) => {
      for (const deviceId of on[i] ?? []) {
        const state = this.devices.get(deviceId);
        if (state?.owned) state.active.add(condition);
      }
    });
  }

  private owns(deviceId: string): boolean {
    return this.deps.owns?.(deviceId) ?? true;
  }

  /**
   * Cluster mode: another process heard a device of this process's (telemetry it shed or refused:
   * no reading came of it) at `at`: as good as seen here.
   */
  heardElsewhere(deviceId: string, type: string, at: number): void {
    if (!this.owns(deviceId) || at <= (this.devices.get(deviceId)?.lastSeenAt ?? 0)) return;
    this.seen(deviceId, type, at);
  }

  /** A revoked device: its conditions end and its silence is watched no more. */
  forget(deviceId: string): void {
    const state = this.devices.get(deviceId);
    if (!state) return;
    this.devices.delete(deviceId);
    this.bySlot[state.slot] = null;
    for (const condition of [...state.active]) this.clear(state, condition, 'device_revoked');
  }

  /** Health of one device as the console shows it. */
  snapshot(deviceId: string) {
    const s = this.devices.get(deviceId);
    if (!s) return null;
    const heardAt = this.deps.heard.when(s.slot);
    return {
      last_seen_at: heardAt > (s.lastSeenAt ?? 0) ? heardAt : s.lastSeenAt,
      online: s.online,
      battery: s.battery,
      worn: s.worn,
      alerts: [...s.active],
    };
  }

  /** How many devices this process watches (cluster mode: of its elders) and how many of them are offline now. */
  census(): { watched: number; offline: number } {
    let watched = 0;
    let offline = 0;
    for (const state of this.devices.values()) {
      if (!state.owned) continue;
      watched++;
      if (state.active.has('device_offline')) offline++;
    }
    return { watched, offline };
  }

  /** Checks every due time; public so that tests with fake timers can call it. */
  tick(): void {
    const now = this.deps.now();
    this.noteStall(now);
    this.noteHeard();
    for (const state of this.devices.values()) {
      if (!state.owned) continue;
      if (state.lastSeenAt !== null && !state.active.has('device_offline')) {
        const silentSince = Math.max(state.lastSeenAt, state.watchedSince);
        if (now - silentSince - (this.deafMs - state.deafAtSeen) >= state.silenceTimeoutMs) {
          state.online = false;
          state.dirty = true;
          this.raise(state, 'device_offline', {
            last_seen_at: state.lastSeenAt,
            silence_timeout_ms: state.silenceTimeoutMs,
          });
        }
      }
      if (state.notWornSince !== null && now >= state.notWornDueAt && !state.active.has('not_worn')) {
        this.raise(state, 'not_worn', { not_worn_since: state.notWornSince });
      }
      if (
        state.battery !== null &&
        state.battery <= this.deps.rules.lowBatteryPercent &&
        !state.active.has('low_battery')
      ) {
        this.raise(state, 'low_battery', { battery: state.battery });
      }
    }
  }

  /** Telemetry heard since the last tick (shed or not) is as good as seen: noted here, not per message. */
  private noteHeard(): void {
    const { heard } = this.deps;
    for (let slot = 0; slot < heard.size; slot++) {
      const at = heard.when(slot);
      const state = this.bySlot[slot];
      if (at === 0 || state === null || at <= (state?.lastSeenAt ?? 0)) continue;
      const device = state ?? heard.device(slot);
      this.seen(device.id, device.type, at);
    }
  }

  /** A tick that comes late means the event loop was stalled that long: nothing was read. */
  private noteStall(now: number): void {
    const wall = this.deps.wall ? this.deps.wall() : performance.now();
    const last = this.lastTick;
    this.lastTick = { wall, now };
    if (!last || wall <= last.wall) return;
    const late = wall - last.wall - this.deps.rules.tickMs;
    if (late < STALL_NOISE_MS) return;
    // on the hub's clock, which may run faster than the wall (the simulator's)
    this.deafMs += late * ((now - last.now) / (wall - last.wall));
  }

  private onReading(reading: Reading): void {
    const state = this.seen(reading.deviceId, reading.deviceType);
    const { battery, worn } = reading.data;
    if (battery !== undefined) {
      if (battery !== state.battery) state.dirty = true;
      state.battery = battery;
      if (battery >= this.deps.rules.batteryClearPercent)
        this.clear(state, 'low_battery', 'battery_recharged');
      else if (battery <= this.deps.rules.lowBatteryPercent && !state.active.has('low_battery')) {
        this.raise(state, 'low_battery', { battery });
      }
    }
    if (worn !== undefined) this.setWorn(state, worn, reading.receivedAt);
  }

  private onEvent(event: StoredEvent): void {
    const state = this.seen(event.deviceId, event.deviceType);
    const worn = event.measured?.worn; // taken off or put on (a watch's `removed`, `worn`)
    if (worn !== undefined) this.setWorn(state, worn, event.receivedAt);
  }

  private onAvailability(change: AvailabilityChange): void {
    if (change.state === 'online') {
      this.seen(change.deviceId, change.deviceType);
      return;
    }
    const state = this.devices.get(change.deviceId);
    if (state) {
      // A Last Will: offline on the boards now; the alert waits for the silence timeout.
      state.online = false;
      state.dirty = true;
    }
  }

  private seen(deviceId: string, type: string, at = this.deps.now()): DeviceState {
    const state = this.devices.get(deviceId) ?? this.track(deviceId, type);
    state.lastSeenAt = at;
    state.deafAtSeen = this.deafMs;
    if (state.online) state.seenDirty = true;
    else state.dirty = true;
    state.online = true;
    this.clear(state, 'device_offline', 'device_returned');
    return state;
  }

  private setWorn(state: DeviceState, worn: boolean, at: number): void {
    if (state.worn === worn) return;
    state.worn = worn;
    state.dirty = true;
    this.setNotWorn(state, worn ? null : at);
    if (worn) this.clear(state, 'not_worn', 'worn_again');
  }

  private setNotWorn(state: DeviceState, since: number | null): void {
    state.notWornSince = since;
    state.notWornDueAt =
      since === null
        ? Number.POSITIVE_INFINITY
        : afterDaytime(since, this.deps.rules.notWornAfterMs, this.deps.rules.daytime);
  }

  private track(id: string, type: string): DeviceState {
    const state: DeviceState = {
      id,
      type,
      slot: this.deps.heard.slotOf({ id, type }),
      silenceTimeoutMs: this.deps.catalog.get(type)?.silenceTimeoutMs ?? 10 * 60_000,
      lastSeenAt: null,
      online: false,
      battery: null,
      worn: null,
      notWornSince: null,
      notWornDueAt: Number.POSITIVE_INFINITY,
      active: new Set(),
      dirty: true,
      seenDirty: false,
      deafAtSeen: this.deafMs,
      owned: this.owns(id),
      watchedSince: this.deps.now(),
    };
    this.devices.set(id, state);
    this.bySlot[state.slot] = state;
    return state;
  }

  private raise(state: DeviceState, condition: HealthCondition, details: Record<string, unknown>): void {
    state.active.add(condition);
    this.deps.changes.publish({
      deviceId: state.id,
      condition,
      change: 'began',
      details,
      // Late (after it ended and began again) it costs one more raise: an update of the open alert.
      failed: () => state.active.delete(condition),
    });
  }

  private clear(state: DeviceState, condition: HealthCondition, outcome: string): void {
    if (!state.active.delete(condition)) return;
    this.deps.changes.publish({ deviceId: state.id, condition, change: 'ended', outcome });
  }

  /** Writes changed health; `everything`: also every newer "last seen" (at stop, or when due). */
  private async persist(everything = false): Promise<void> {
    const now = this.deps.now();
    const withSeen = everything || now - this.seenPersistedAt >= this.deps.rules.seenPersistMs;
    if (withSeen) this.seenPersistedAt = now;
    const due = [...this.devices.values()].filter((s) => s.dirty || (withSeen && s.seenDirty));
    if (due.length === 0) return;
    for (const s of due) {
      s.dirty = false;
      s.seenDirty = false;
    }
    const rows = due.map((s) => ({
      device_id: s.id,
      last_seen_at: s.lastSeenAt,
      online: s.online ? 1 : 0,
      battery: s.battery,
      worn: s.worn === null ? null : s.worn ? 1 : 0,
      not_worn_since: s.notWornSince,
      updated_at: now,
    }));
    try {
      await inChunks(rows, 500, (chunk) =>
        this.deps.db
          .insertInto('device_health')
          .values(chunk)
          .onConflict((oc) =>
            oc.column('device_id').doUpdateSet((eb) => ({
              last_seen_at: eb.ref('excluded.last_seen_at'),
              online: eb.ref('excluded.online'),
              battery: eb.ref('excluded.battery'),
              worn: eb.ref('excluded.worn'),
              not_worn_since: eb.ref('excluded.not_worn_since'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute(),
      );
    } catch (error) {
      for (const s of due) s.dirty = true;
      this.deps.logger.error({ err: error }, 'device health not persisted; will retry');
    }
  }
}
