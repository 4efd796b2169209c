import type { Reading } from '../ingest/readings.js';

/**
 * What the home's radar says about a watch's fall while its cancel window is open. Off, or
 * with no fresh radar reading, the window behaves as it did before the radar was consulted.
 */
export interface RadarFusionRules {
  /** Consult the radar at all (false: the watch's window alone decides). */
  fusion: boolean;
  /** Lying (with presence) this long, counted from the detection, raises the alert before the window ends (ms). */
  lyingEscalateMs: number;
  /** Upright, alone, this long before the window ends, and never lying since the detection: not raised (ms). */
  uprightCancelMs: number;
  /**
   * A radar reading older than this says nothing about now (ms). Radars report every few seconds
   * (protocol.md); a home whose radar is silent this long is treated as a home without one.
   */
  radarStaleMs: number;
}

export const defaultRadarFusionRules: RadarFusionRules = {
  fusion: true,
  lyingEscalateMs: 10_000,
  uprightCancelMs: 15_000,
  radarStaleMs: 10_000,
};

type Stance = 'lying' | 'upright' | 'other';

/** One run of the same stance as the radar reported it (hub clock). */
interface PostureRun {
  stance: Stance;
  /** The first reading of the run. */
  since: number;
  /** The latest reading of the run. */
  lastAt: number;
  radarId: string;
}

interface ElderRadar {
  run: PostureRun;
  /** The latest reading that saw the person lying (hub clock), null if none since the hub started. */
  lastLyingAt: number | null;
}

/** Why the radar raises a fall sooner: lying since, for how long. */
export interface LyingEvidence {
  radarId: string;
  lyingSince: number;
  lyingForMs: number;
}

/** Why the radar lets a watch's fall go: up since, for how long, the latest reading. */
export interface UprightEvidence {
  radarId: string;
  uprightSince: number;
  uprightForMs: number;
  lastReadingAt: number;
}

/**
 * The radar's postures per elder, as runs: lying (posture `lying` with presence), upright
 * (`standing` or `sitting` with presence and one person at most), anything else. A second person
 * in the room (`targets` > 1) ends an upright run: a visitor standing beside someone on the floor
 * must never look like the person up again. Kept in memory only: after a restart the hub has no
 * evidence from before it, and `recovery` says nothing until the runs are rebuilt.
 */
export class RadarPostures {
  private readonly elders = new Map<string, ElderRadar>();

  constructor(private readonly rules: RadarFusionRules) {}

  /** Takes a room sensor's reading (others are ignored); returns false if it carried no posture. */
  take(reading: Reading, at: number): boolean {
    const { posture, presence, targets } = reading.data;
    if (posture === undefined || reading.elderId === null) return false;
    let stance: Stance = 'other';
    if (presence === true && posture === 'lying') stance = 'lying';
    else if (presence === true && (posture === 'standing' || posture === 'sitting') && (targets ?? 1) <= 1)
      stance = 'upright';
    const known = this.elders.get(reading.elderId);
    // updated in place: radars report every few seconds, in every home
    if (known === undefined) {
      const run = { stance, since: at, lastAt: at, radarId: reading.deviceId };
      this.elders.set(reading.elderId, { run, lastLyingAt: stance === 'lying' ? at : null });
      return true;
    }
    const run = known.run;
    if (run.stance !== stance) {
      run.stance = stance;
      run.since = at;
    }
    run.lastAt = at;
    run.radarId = reading.deviceId;
    if (stance === 'lying') known.lastLyingAt = at;
    return true;
  }

  /** Since when the radar has seen the person lying, null if its latest reading is not lying. */
  lyingSince(elderId: string): number | null {
    const run = this.elders.get(elderId)?.run;
    return run?.stance === 'lying' ? run.since : null;
  }

  forget(elderId: string): void {
    this.elders.delete(elderId);
  }

  /**
   * Lying long enough, counted from the detection (an earlier nap does not count), with a fresh
   * latest reading: the fall goes out now. Null otherwise, or with fusion off.
   */
  escalation(elderId: string, detectedAt: number, now: number): LyingEvidence | null {
    const lying = this.lyingFrom(elderId, detectedAt, now);
    if (lying === null || now - lying.from < this.rules.lyingEscalateMs) return null;
    return { radarId: lying.run.radarId, lyingSince: lying.run.since, lyingForMs: now - lying.from };
  }

  /**
   * When lying seen now would have lasted long enough to escalate, if it goes on; null when the
   * latest reading is not lying (or fusion is off).
   */
  escalationDue(elderId: string, detectedAt: number, now: number): number | null {
    const lying = this.lyingFrom(elderId, detectedAt, now);
    return lying && lying.from + this.rules.lyingEscalateMs;
  }

  /** The fresh lying run and since when it counts: the detection, or later if it began after it. */
  private lyingFrom(
    elderId: string,
    detectedAt: number,
    now: number,
  ): { run: PostureRun; from: number } | null {
    const run = this.freshRun(elderId, now);
    return run?.stance === 'lying' ? { run, from: Math.max(run.since, detectedAt) } : null;
  }

  /**
   * Up again, alone, seen after the detection and long enough before now, never lying since the
   * detection, the latest reading fresh: the watch's fall need not go out. Null otherwise.
   */
  recovery(elderId: string, detectedAt: number, now: number): UprightEvidence | null {
    const known = this.elders.get(elderId);
    const run = this.freshRun(elderId, now);
    if (known === undefined || run?.stance !== 'upright') return null;
    if (known.lastLyingAt !== null && known.lastLyingAt >= detectedAt) return null;
    // a reading from before the fall says nothing about after it
    if (run.lastAt < detectedAt) return null;
    const from = Math.max(run.since, detectedAt);
    if (now - from < this.rules.uprightCancelMs) return null;
    return {
      radarId: run.radarId,
      uprightSince: run.since,
      uprightForMs: now - from,
      lastReadingAt: run.lastAt,
    };
  }

  private freshRun(elderId: string, now: number): PostureRun | null {
    if (!this.rules.fusion) return null;
    const run = this.elders.get(elderId)?.run;
    if (run === undefined || now - run.lastAt > this.rules.radarStaleMs) return null;
    return run;
  }
}
