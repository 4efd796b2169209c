import { type Habits, type LifeState, lifeAt, offset, type Posture } from './daily-life.js';
import type { DeviceLinks } from './device-links.js';
import type { HomePlan } from './district-generator.js';
import { SimClock } from './sim-clock.js';

/** What an injected scenario changes in a home's normal day (all times on the hub clock). */
export interface Override {
  /** Fallen and not getting up (until helped). */
  lying?: boolean;
  /** Sitting still, no steps, no outings: inactivity. */
  still?: boolean;
  /** Left at night and walking away from home. */
  wanderFrom?: number;
  /** Heart rate drifting up from here. */
  hrDriftFrom?: number;
  /** Battery draining fast from here. */
  drainFrom?: number;
  /** The watch is dark (offline or flapping): no telemetry. */
  watchDark?: boolean;
  /** At home in this posture until `until` (after a fall got up from, a daily motion). */
  posture?: { posture: Posture; until: number };
}

const MINUTE = 60_000;

/**
 * One simulated home: the elder's day (habits), the state the devices measure (steps,
 * battery), and when each device speaks next. `step(t)` is called often; it sends what is due:
 * watch telemetry every 2 simulated minutes, radar every minute (its silence timeout is 2), the door's hourly heartbeat,
 * door events when the elder goes out or comes back.
 */
export class Home {
  readonly override: Override = {};
  private steps = 0;
  private battery: number;
  private day: number;
  private lastT: number;
  private nextWatch: number;
  private nextRadar: number;
  private nextDoor: number;
  private away = false;
  private readonly watch?: string;
  private readonly radar?: string;
  private readonly door?: string;

  constructor(
    readonly plan: HomePlan,
    readonly habits: Habits,
    private readonly deps: { links: DeviceLinks; random: () => number; wallDelay: (simMs: number) => number },
    start: number,
  ) {
    const phase = deps.random();
    this.watch = plan.devices.find((d) => d.type === 'watch')?.id;
    this.radar = plan.devices.find((d) => d.type === 'fall_radar')?.id;
    this.door = plan.devices.find((d) => d.type === 'door')?.id;
    this.battery = 70 + 30 * deps.random();
    this.day = SimClock.localDayStart(start);
    this.lastT = start;
    // spread the devices over their periods so that they do not all speak at once
    this.nextWatch = start + phase * 2 * MINUTE;
    this.nextRadar = start + deps.random() * MINUTE;
    this.nextDoor = start + phase * 60 * MINUTE;
    this.away = this.life(start).away;
  }

  get watchId(): string | undefined {
    return this.watch;
  }
  get radarId(): string | undefined {
    return this.radar;
  }
  get doorId(): string | undefined {
    return this.door;
  }

  /** The normal day with the injected scenario laid over it. */
  life(t: number): LifeState {
    const s = lifeAt(this.habits, t, this.plan);
    const o = this.override;
    if (o.wanderFrom !== undefined && t >= o.wanderFrom) {
      return {
        ...s,
        asleep: false,
        away: true,
        posture: 'none',
        stepsPerMinute: 60,
        heartRate: s.heartRate + 15,
        offsetM: Math.min(3000, ((t - o.wanderFrom) / 1000) * 0.8),
      };
    }
    if (o.lying)
      return {
        ...s,
        asleep: false,
        away: false,
        posture: 'lying',
        stepsPerMinute: 0,
        worn: true,
        heartRate: s.heartRate + 12,
        offsetM: 0,
      };
    if (o.posture && t < o.posture.until)
      return { ...s, asleep: false, away: false, posture: o.posture.posture, worn: true, offsetM: 0 };
    if (o.still) {
      const posture = s.posture === 'lying' ? 'lying' : 'sitting';
      return { ...s, away: false, posture, stepsPerMinute: 0, offsetM: 0 };
    }
    if (o.hrDriftFrom !== undefined && t >= o.hrDriftFrom) {
      const p = Math.min(1, (t - o.hrDriftFrom) / (15 * MINUTE));
      return { ...s, heartRate: s.heartRate + (148 - s.heartRate) * p };
    }
    return s;
  }

  step(t: number): void {
    const dtMin = Math.max(0, (t - this.lastT) / MINUTE);
    this.lastT = t;
    const dayStart = SimClock.localDayStart(t);
    if (dayStart !== this.day) {
      this.day = dayStart;
      this.steps = 0;
    }
    const life = this.life(t);
    this.steps += life.stepsPerMinute * dtMin;
    const o = this.override;
    if (o.drainFrom !== undefined && t >= o.drainFrom) this.battery = Math.max(3, this.battery - 1.2 * dtMin);
    else if (life.worn) this.battery = Math.max(20, this.battery - 0.045 * dtMin);
    else this.battery = Math.min(100, this.battery + 0.4 * dtMin);

    if (life.away !== this.away) {
      this.away = life.away;
      this.doorPassage();
    }
    // vitals every 2 minutes (well inside the watch's 10-minute silence timeout); every 30 s once the heart races
    const watchPeriod = o.hrDriftFrom !== undefined && t >= o.hrDriftFrom ? MINUTE / 2 : 2 * MINUTE;
    if (t >= this.nextWatch) {
      this.nextWatch = Math.max(this.nextWatch + watchPeriod, t);
      if (!o.watchDark) this.sendWatch(t, life);
    }
    if (t >= this.nextRadar) {
      this.nextRadar = Math.max(this.nextRadar + MINUTE, t);
      this.sendRadar(t, life);
    }
    if (t >= this.nextDoor) {
      this.nextDoor = Math.max(this.nextDoor + 60 * MINUTE, t);
      if (this.door)
        this.deps.links.telemetry(this.door, { ts: Math.round(t), contact: 'closed', battery: 93 });
    }
  }

  /** Radar telemetry now, out of turn (a fall changes the posture at once). */
  radarNow(t: number): void {
    this.sendRadar(t, this.life(t));
  }

  /** The door opens and closes again a little later. */
  doorPassage(): void {
    const door = this.door;
    if (!door) return;
    void this.deps.links.event(door, 'open');
    setTimeout(() => void this.deps.links.event(door, 'close'), this.deps.wallDelay(25_000));
  }

  private sendWatch(t: number, life: LifeState): void {
    if (!this.watch) return;
    const r = this.deps.random;
    const base = {
      ts: Math.round(t),
      battery: Math.round(this.battery),
      worn: life.worn,
      steps: Math.floor(this.steps),
    };
    if (!life.worn) {
      this.deps.links.telemetry(this.watch, base);
      return;
    }
    const here = life.away ? offset(this.plan.location, life.offsetM, life.bearing) : this.plan.location;
    this.deps.links.telemetry(this.watch, {
      ...base,
      heart_rate: Math.round(life.heartRate + (r() - 0.5) * 4),
      spo2: Math.round(this.habits.spo2 + (r() < 0.2 ? -1 : 0)),
      location: {
        lat: Math.round((here.lat + (r() - 0.5) * 6e-5) * 1e6) / 1e6,
        lon: Math.round((here.lon + (r() - 0.5) * 6e-5) * 1e6) / 1e6,
        accuracy_m: life.away ? 15 : 25,
      },
    });
  }

  private sendRadar(t: number, life: LifeState): void {
    if (!this.radar) return;
    const present = life.posture !== 'none';
    const r = this.deps.random;
    this.deps.links.telemetry(this.radar, {
      ts: Math.round(t),
      presence: present,
      posture: life.posture,
      targets: present ? 1 : 0,
      ...(present
        ? {
            breathing_rate: Math.round(life.breathing + (r() - 0.5) * 2),
            heart_rate: Math.round(life.heartRate + (r() - 0.5) * 6),
          }
        : {}),
    });
  }
}
