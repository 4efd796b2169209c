import { watchSeconds } from '../../inference/pool/watch-replay.js';
import { type AdlKind, FALL_KINDS, FallMotionSimulator } from '../fall-motion.js';
import type { Posture } from './daily-life.js';
import type { DeviceCommand, DeviceLinks } from './device-links.js';
import type { Home } from './home.js';
import { SimClock } from './sim-clock.js';

const MINUTE = 60_000;

/**
 * What can be injected, the alert it should raise (or `null`: it should raise none), how long to
 * wait for it, and whether the condition lasts to the end of the run (a heart rate that stays high,
 * a person who stays still, a battery that stays low, a watch that stays dark, a wanderer who does
 * not come back): then the hub rightly raises it again after a responder closed the first alert.
 */
export const scenarioKinds = {
  fall: { alert: 'fall', windowMs: 15 * MINUTE, lasts: false },
  fall_recovered: { alert: null, windowMs: 15 * MINUTE, lasts: false },
  /** Falls and gets up unaided 5–40 s later without pressing "I'm OK": the radar sees them lying, then up. */
  fall_got_up: { alert: null, windowMs: 15 * MINUTE, lasts: false },
  /** A daily activity the watch's model may take for a fall (sitting down heavily…); nobody presses "I'm OK". */
  daily_motion: { alert: null, windowMs: 15 * MINUTE, lasts: false },
  sos: { alert: 'sos', windowMs: 5 * MINUTE, lasts: false },
  wandering: { alert: 'wandering', windowMs: 40 * MINUTE, lasts: true },
  vitals: { alert: 'vitals', windowMs: 60 * MINUTE, lasts: true },
  inactivity: { alert: 'inactivity', windowMs: 16 * 60 * MINUTE, lasts: true },
  battery: { alert: 'low_battery', windowMs: 3 * 60 * MINUTE, lasts: true },
  offline: { alert: 'device_offline', windowMs: 30 * MINUTE, lasts: true },
  flapping: { alert: null, windowMs: 70 * MINUTE, lasts: false },
} as const;
export type ScenarioKind = keyof typeof scenarioKinds;

/** One injected incident, for matching against the alerts the hub raised. */
export interface Injection {
  id: number;
  kind: ScenarioKind;
  elderId: string;
  /** When it was planned (hub clock). */
  at: number;
  /** When it happened (hub clock: the alerts' opened_at is on it), null if it never fired. */
  firedAt: number | null;
  /** The alert kind that shows it was noticed, or null (nothing should be raised; this is the alert it must not leave open). */
  expects: string | null;
  watches: string;
  windowMs: number;
  /** Falls: the hub told the watch its model saw the fall (a recovered wearer then presses "I'm OK"). */
  notified?: boolean;
  /** The home has a fall radar. */
  radar?: boolean;
}

/** `fall:5,sos:10` → counts per kind; unknown kinds are an error naming them. */
export function parseInjectSpec(spec: string | undefined): Map<ScenarioKind, number> {
  const out = new Map<ScenarioKind, number>();
  if (!spec) return out;
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, count = '1'] = part.split(':');
    if (!(name! in scenarioKinds))
      throw new Error(`--inject: unknown scenario ${name} (known: ${Object.keys(scenarioKinds).join(', ')})`);
    const n = Number(count);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--inject: ${part}: count must be a whole number`);
    out.set(name as ScenarioKind, (out.get(name as ScenarioKind) ?? 0) + n);
  }
  return out;
}

/**
 * Plans injected incidents over the run (each on a different elder, at a moment the
 * incident makes sense: falls, SOS and vitals while awake with the watch on, wandering at
 * 23:30, inactivity from the morning on) and plays them when their time comes.
 */
export class Scenarios {
  readonly injections: Injection[] = [];
  readonly skipped: Array<{ kind: ScenarioKind; reason: string }> = [];
  private readonly pending: Injection[] = [];
  private readonly motion: FallMotionSimulator;

  constructor(
    private readonly deps: {
      homes: Home[];
      links: DeviceLinks;
      random: () => number;
      seed: number;
      /** The hub's clock (what its alerts are timed on). */
      hubNow: () => number;
      /** The simulated clock (the homes' schedule). */
      simNow: () => number;
      wallDelay: (simMs: number) => number;
    },
  ) {
    this.motion = new FallMotionSimulator(deps.seed + 101);
  }

  plan(counts: Map<ScenarioKind, number>, start: number, end: number): void {
    const free = [...this.deps.homes].filter((h) => h.watchId);
    const r = this.deps.random;
    for (const [kind, count] of counts) {
      for (let i = 0; i < count; i++) {
        const home = free.splice(Math.floor(r() * free.length), 1)[0];
        if (!home) {
          this.skipped.push({ kind, reason: 'more incidents than homes' });
          continue;
        }
        const at = this.pickTime(kind, home, start, end);
        if (at === null) {
          this.skipped.push({ kind, reason: whyNot(kind) });
          free.push(home);
          continue;
        }
        const spec = scenarioKinds[kind];
        const injection: Injection = {
          id: this.injections.length + 1,
          kind,
          elderId: home.plan.elderId,
          at,
          firedAt: null,
          expects: spec.alert ?? (kind === 'flapping' ? 'device_offline' : 'fall'),
          watches: home.watchId!,
          windowMs: spec.windowMs,
          radar: home.radarId !== undefined,
        };
        this.injections.push(injection);
        this.pending.push(injection);
      }
    }
    this.pending.sort((a, b) => a.at - b.at);
  }

  /** Fires what is due. */
  step(t: number): void {
    while (this.pending.length > 0 && this.pending[0]!.at <= t) {
      const injection = this.pending.shift()!;
      injection.firedAt = this.deps.hubNow();
      this.fire(injection, t);
    }
  }

  /** The hub talks to a watch: a wearer who is fine presses "I'm OK" when it says it saw a fall. */
  onCommand(deviceId: string, command: DeviceCommand): void {
    if (command.command !== 'notify' || !command.text?.includes('跌倒') || !command.text.includes('秒内'))
      return;
    const injection = this.injections.find(
      (i) => watchAlarmKinds.includes(i.kind) && i.watches === deviceId && i.firedAt !== null && !i.notified,
    );
    if (!injection) return;
    injection.notified = true;
    // only a wearer who fell and is fine presses it (fall_got_up and daily_motion wearers do not)
    if (injection.kind !== 'fall_recovered') return;
    setTimeout(
      () => void this.deps.links.event(deviceId, 'ok'),
      this.deps.wallDelay(4_000 + this.deps.random() * 6_000),
    );
  }

  /** The responder arrived and helped: a fallen elder is up again. */
  helped(elderId: string): void {
    const home = this.deps.homes.find((h) => h.plan.elderId === elderId);
    if (home?.override.lying) {
      home.override.lying = false;
      home.radarNow(this.deps.simNow());
    }
  }

  private pickTime(kind: ScenarioKind, home: Home, start: number, end: number): number | null {
    const r = this.deps.random;
    const spec = scenarioKinds[kind];
    if (kind === 'wandering') {
      for (let d = SimClock.localDayStart(start); d < end; d += 1440 * MINUTE) {
        const t = d + (23 * 60 + 30) * MINUTE + r() * 10 * MINUTE;
        if (t >= start && t + 15 * MINUTE <= end) return t;
      }
      return null;
    }
    if (kind === 'inactivity') {
      // from before the waking hours begin, so that 12 waking hours fit in the run
      for (let d = SimClock.localDayStart(start); d < end; d += 1440 * MINUTE) {
        const t = Math.max(start, d + 5 * 60 * MINUTE);
        if (t - d < 7 * 60 * MINUTE && d + (19 * 60 + 20) * MINUTE <= end) return t;
      }
      return null;
    }
    const margin = Math.min(spec.windowMs, 20 * MINUTE);
    for (let tries = 0; tries < 200; tries++) {
      const t = start + 2 * MINUTE + r() * (end - start - 2 * MINUTE - margin);
      if (t < start) break;
      const life = home.life(t);
      const awake = !life.asleep && life.worn && !life.away;
      if (kind === 'offline' || kind === 'flapping' || awake) return t;
    }
    return null;
  }

  private fire(injection: Injection, t: number): void {
    const home = this.deps.homes.find((h) => h.plan.elderId === injection.elderId)!;
    const { links } = this.deps;
    const watch = home.watchId!;
    switch (injection.kind) {
      case 'fall': {
        const impactMs = this.streamFall(watch, t);
        this.radarCloseUp(home);
        // on the floor from the impact, seen by the radar a second later
        this.later(impactMs + 1000, () => {
          home.override.lying = true;
          home.radarNow(this.deps.simNow());
        });
        // the ceiling radar sees someone on the floor who does not get up, and says so
        if (home.radarId)
          setTimeout(
            () => void links.event(home.radarId!, 'fall', { confidence: 0.9 }),
            this.deps.wallDelay(40_000),
          );
        break;
      }
      case 'fall_recovered':
        this.streamFall(watch, t);
        this.radarCloseUp(home);
        break;
      case 'fall_got_up': {
        const impactMs = this.streamFall(watch, t);
        this.radarCloseUp(home);
        const upMs = impactMs + 5_000 + this.deps.random() * 35_000;
        this.later(impactMs + 1000, () => this.holdPosture(home, 'lying', upMs - impactMs));
        this.later(upMs, () => this.holdPosture(home, 'standing', 2 * MINUTE));
        break;
      }
      case 'daily_motion': {
        const kind = alarmProneActivities[Math.floor(this.deps.random() * alarmProneActivities.length)]!;
        this.streamMotion(watch, t, kind);
        this.radarCloseUp(home);
        this.holdPosture(home, postureAfter(kind), 2 * MINUTE);
        break;
      }
      case 'sos':
        void links.event(watch, 'sos');
        break;
      case 'wandering':
        home.override.wanderFrom = t;
        home.doorPassage();
        break;
      case 'vitals':
        home.override.hrDriftFrom = t;
        break;
      case 'inactivity':
        home.override.still = true;
        break;
      case 'battery':
        home.override.drainFrom = t;
        break;
      case 'offline':
        home.override.watchDark = true;
        void links.drop(watch);
        break;
      case 'flapping':
        void this.flap(home, watch);
        break;
    }
  }

  /** A fall on the wrist: ~20 s of 25 Hz acceleration (fall-motion.ts); the impact's time into it (ms). */
  private streamFall(watch: string, t: number): number {
    let trial = this.motion.generate({ kind: this.pickFall(), rateHz: 25, durationS: 16, elderly: true });
    for (let i = 0; i < 5 && trial.recovered; i++)
      trial = this.motion.generate({ kind: this.pickFall(), rateHz: 25, durationS: 16, elderly: true });
    this.stream(watch, t, trial);
    return trial.impactMs ?? 0;
  }

  /** A daily activity on the wrist, as a fall is streamed. */
  private streamMotion(watch: string, t: number, kind: AdlKind): void {
    this.stream(watch, t, this.motion.generate({ kind, rateHz: 25, durationS: 16, elderly: true }));
  }

  /** One second of acceleration per message, paced on the clock. */
  private stream(watch: string, t: number, trial: ReturnType<FallMotionSimulator['generate']>): void {
    // the last sample held: the wearer lies still while the detector looks ahead
    const seconds = watchSeconds(trial, 25, 6);
    seconds.forEach((accel, s) => {
      setTimeout(
        () =>
          this.deps.links.telemetry(watch, {
            ts: Math.round(t + s * 1000),
            worn: true,
            accel: { ...accel, x: round(accel.x), y: round(accel.y), z: round(accel.z) },
          }),
        this.deps.wallDelay(s * 1000),
      );
    });
  }

  /**
   * Real radars report every few seconds (protocol.md); the simulator's report once a minute to
   * keep the load down, and every 5 s for 2 minutes around an injected fall or motion, where the
   * hub reads them.
   */
  private radarCloseUp(home: Home): void {
    if (!home.radarId) return;
    for (let s = 0; s <= 120; s += 5) this.later(s * 1000, () => home.radarNow(this.deps.simNow()));
  }

  /** The person is in this posture from now for `forMs`; the radar says so at once. */
  private holdPosture(home: Home, posture: Posture, forMs: number): void {
    const now = this.deps.simNow();
    home.override.posture = { posture, until: now + forMs };
    home.radarNow(now);
  }

  private later(simMs: number, work: () => void): void {
    setTimeout(work, this.deps.wallDelay(simMs));
  }

  private pickFall() {
    return FALL_KINDS[Math.floor(this.deps.random() * FALL_KINDS.length)]!;
  }

  /** Drops off and comes back, 8 times, each gap shorter than the watch's 10-minute silence timeout. */
  private async flap(home: Home, watch: string): Promise<void> {
    const wait = (simMs: number) => new Promise((resolve) => setTimeout(resolve, this.deps.wallDelay(simMs)));
    for (let i = 0; i < 8; i++) {
      home.override.watchDark = true;
      await this.deps.links.drop(watch);
      await wait((2 + this.deps.random() * 3) * MINUTE);
      await this.deps.links.reconnect(watch).catch(() => undefined);
      home.override.watchDark = false;
      await wait(4 * MINUTE);
    }
  }
}

/** Injections whose watch the hub may tell it saw a fall. */
const watchAlarmKinds: ScenarioKind[] = ['fall', 'fall_recovered', 'fall_got_up', 'daily_motion'];

/** Daily activities with a jolt at the wrist: the ones a fall model sometimes takes for a fall. */
const alarmProneActivities: AdlKind[] = [
  'sitting_heavily',
  'lying_on_bed',
  'table_bump',
  'hopping',
  'transfer',
];

function postureAfter(kind: AdlKind): Posture {
  if (kind === 'lying_on_bed') return 'lying';
  return kind === 'sitting_heavily' || kind === 'transfer' ? 'sitting' : 'standing';
}

const round = (xs: number[]) => xs.map((v) => Math.round(v * 1000) / 1000);

function whyNot(kind: ScenarioKind): string {
  if (kind === 'wandering') return 'no 23:30 inside the run';
  if (kind === 'inactivity')
    return 'needs a run from before 07:00 to after 19:20 of one day (12 waking hours)';
  return 'no moment in the run with the elder awake and the watch on';
}
