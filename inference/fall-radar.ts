import type { AlertBook } from '../alerts/alert-book.js';
import type { Reading } from '../ingest/readings.js';
import { type RadarFusionRules, RadarPostures } from './radar-postures.js';

/** The part of a watch's open cancel window the radar looks at. */
export interface RadarWatchedWindow {
  watchId: string;
  startedAt: number;
  /** Resumed after a restart or a takeover: the radar evidence from before it is gone, so it never cancels. */
  resumed: boolean;
  /** When the radar's lying would be long enough to raise the fall before the window ends. */
  lyingTimer: NodeJS.Timeout | null;
}

/**
 * The home's radar during a watch's cancel window (FallAlerts decides, this supplies the
 * evidence and keeps the record): lying long enough raises the fall sooner, up and alone lets it
 * go as a record nobody is sent to. `radar-postures.ts` says what counts.
 */
export class FallRadar {
  private readonly postures: RadarPostures;

  constructor(
    private readonly deps: {
      rules: RadarFusionRules;
      alerts: AlertBook;
      now: () => number;
      /** How long a span of `now`'s clock takes on the timers. */
      timerMs: (hubMs: number) => number;
      tell: (deviceId: string, text: string) => void;
    },
  ) {
    this.postures = new RadarPostures(deps.rules);
  }

  take(reading: Reading): boolean {
    return this.postures.take(reading, this.deps.now());
  }

  /** Since when the room sensor has seen the person lying (null: not lying, or not seen). */
  lyingSince(elderId: string): number | null {
    return this.postures.lyingSince(elderId);
  }

  /** The elder's postures are no longer this process's to follow (their partition moved). */
  forget(elderId: string): void {
    this.postures.forget(elderId);
  }

  /**
   * (Re)arms the window's lying check: `due` runs at once if the person has lain long enough since
   * the detection, else when they will have, should no reading say otherwise.
   */
  watchLying(elderId: string, p: RadarWatchedWindow, due: () => void): void {
    if (p.lyingTimer) clearTimeout(p.lyingTimer);
    p.lyingTimer = null;
    const now = this.deps.now();
    const at = this.postures.escalationDue(elderId, p.startedAt, now);
    if (at === null) return;
    if (at <= now) due();
    else p.lyingTimer = setTimeout(due, this.deps.timerMs(at - now));
  }

  /** The alert's details when the radar raises the fall now; null when it does not (yet). */
  escalation(elderId: string, p: RadarWatchedWindow): Record<string, unknown> | null {
    const lying = this.postures.escalation(elderId, p.startedAt, this.deps.now());
    return (
      lying && {
        escalated_by: 'radar_lying',
        radar_id: lying.radarId,
        lying_since: lying.lyingSince,
        lying_for_ms: lying.lyingForMs,
      }
    );
  }

  /**
   * At the window's end: if the radar saw the person up and alone, the fall is kept as an alert
   * closed at once (nobody is sent; the console and the reports show it, outcome `radar_upright`),
   * the watch is told, and true. False: the fall goes out as before.
   */
  async letGo(elderId: string, p: RadarWatchedWindow, details: Record<string, unknown>): Promise<boolean> {
    const upright = p.resumed ? null : this.postures.recovery(elderId, p.startedAt, this.deps.now());
    if (upright === null) return false;
    const recorded = await this.deps.alerts.recordClosed(
      {
        kind: 'fall',
        severity: 'medium',
        deviceId: p.watchId,
        details: {
          ...details,
          cancelled_by: 'radar_upright',
          radar_id: upright.radarId,
          upright_since: upright.uprightSince,
          upright_for_ms: upright.uprightForMs,
        },
      },
      {
        status: 'cancelled',
        outcome: 'radar_upright',
        actor: 'hub',
        note: {
          code: 'radar_upright',
          params: { device_id: upright.radarId, upright_s: Math.round(upright.uprightForMs / 1000) },
        },
      },
    );
    if (recorded) this.deps.tell(p.watchId, '雷达看到您已起身，未发出跌倒报警；如需帮助请按呼救');
    return true;
  }
}
