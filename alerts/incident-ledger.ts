import type { Logger } from 'pino';
import { KeyedTurns } from '../kernel/keyed-turns.js';
import type { Database } from '../store/database.js';
import { type AlertBook, type AlertKind, incidentKey, type Severity } from './alert-book.js';
import { severityRank } from './alert-model.js';

export interface LoadedIncident {
  severity: Severity;
  openedAt: number;
  details: Record<string, unknown>;
}

/** An elder's open incident as the detector believes it. */
interface OpenIncident {
  /** The most severe severity raised. */
  severity: Severity;
  /** The latest raise. */
  raise: number;
  /** The severity the alert book is known to hold; null: nothing stored yet. */
  stored: Severity | null;
}

/**
 * The incidents of one alert kind that a detector has raised, one per elder, as the detector
 * believes them: raised once, updated only when worth it, always cleared. Operations for one
 * elder run in order (a clear never overtakes its raise); different elders run side by side.
 */
export class IncidentLedger {
  /** Elders with an open incident of this kind. */
  private readonly open = new Map<string, OpenIncident>();
  private raises = 0;
  /** The incidents found open at `load()`: what the alert says about them. */
  private readonly loaded = new Map<string, LoadedIncident>();
  /** Each elder's operations in order. */
  private readonly turns = new KeyedTurns();
  private sweep: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      db: Database;
      alerts: AlertBook;
      kind: AlertKind;
      logger: Logger;
      /**
       * A raise failed (the store) and was undone here: the elder's incident is as the alert book
       * holds it (`isOpen`, `severity`). The detector marks it due again, so its next tick raises.
       */
      raiseFailed: (elderId: string) => void;
    },
  ) {}

  /** Loads the incidents still active in the alert book (after a restart) with their severity. */
  async load(): Promise<void> {
    const { db, alerts, kind } = this.deps;
    const prefix = `${kind}:`;
    const keys = await alerts.activeIncidents(prefix);
    const rows = await db
      .selectFrom('active_incidents as i')
      .innerJoin('alerts as a', 'a.id', 'i.alert_id')
      .select(['i.incident_key', 'a.severity', 'a.opened_at', 'a.details'])
      .where('a.kind', '=', kind)
      .execute();
    const found = new Map(rows.map((r) => [r.incident_key, r]));
    this.open.clear();
    this.loaded.clear();
    for (const key of keys) {
      const elderId = key.slice(prefix.length);
      const row = found.get(key);
      const severity = (row?.severity as Severity | undefined) ?? 'low';
      this.open.set(elderId, { severity, raise: 0, stored: severity });
      this.loaded.set(elderId, {
        severity,
        openedAt: row?.opened_at ?? 0,
        details: row ? (JSON.parse(row.details) as Record<string, unknown>) : {},
      });
    }
  }

  /** The incident of the elder that was open at `load()`, if it still is. */
  loadedIncident(elderId: string): LoadedIncident | undefined {
    return this.open.has(elderId) ? this.loaded.get(elderId) : undefined;
  }

  isOpen(elderId: string): boolean {
    return this.open.has(elderId);
  }

  /** The most severe severity raised for the elder's open incident, or undefined. */
  severity(elderId: string): Severity | undefined {
    return this.open.get(elderId)?.severity;
  }

  /** Elders with an open incident (for the tick's clearing checks). */
  elders(): IterableIterator<string> {
    return this.open.keys();
  }

  /** Opens the elder's incident, or updates it (the alert book keeps the more severe severity). */
  raise(elderId: string, deviceId: string, severity: Severity, details: Record<string, unknown>): void {
    const incident = this.open.get(elderId) ?? { severity, raise: 0, stored: null };
    incident.severity = moreSevere(incident.severity, severity);
    const raise = ++this.raises;
    incident.raise = raise;
    this.open.set(elderId, incident);
    const { alerts, kind, logger } = this.deps;
    this.enqueue(elderId, async () => {
      const raised = await alerts.raise({ kind, severity, deviceId, details }).catch((error: unknown) => {
        this.undo(elderId, incident, raise);
        throw error;
      });
      if (raised) incident.stored = moreSevere(incident.stored ?? severity, severity);
      else logger.debug({ elder: elderId, device: deviceId, kind }, 'no alert: device has no elder');
    });
  }

  /**
   * Takes back a raise that failed, unless a newer one (or a clear) followed it: the incident
   * is again what the alert book holds, so that reconciliation does not take a raise that never
   * reached the book for an incident closed at the console, and the detector raises it again.
   */
  private undo(elderId: string, incident: OpenIncident, raise: number): void {
    if (this.open.get(elderId) !== incident || incident.raise !== raise) return;
    if (incident.stored) {
      incident.severity = incident.stored;
      incident.raise = ++this.raises;
    } else {
      this.open.delete(elderId);
      this.loaded.delete(elderId);
    }
    this.deps.raiseFailed(elderId);
  }

  /** Closes the elder's incident, if one is open. */
  clear(elderId: string, outcome: string): void {
    if (!this.open.delete(elderId)) return;
    this.loaded.delete(elderId);
    const { alerts, kind } = this.deps;
    this.enqueue(elderId, async () => {
      await alerts.resolve(incidentKey(kind, elderId), { status: 'resolved', outcome, actor: 'hub' });
    });
  }

  /**
   * Finds incidents a person closed at the console (or that never opened: the device had no
   * elder) and forgets them, so that the next episode raises a new alert instead of being
   * taken for the one that is gone. Checked in each elder's queue, after its own pending raise
   * (one that failed was undone by then: it never reached the book, nobody closed it).
   */
  async reconcile(onClosed: (elderId: string) => void): Promise<void> {
    if (this.sweep) return this.sweep; // one at a time
    this.sweep = this.compare(onClosed).finally(() => {
      this.sweep = null;
    });
    return this.sweep;
  }

  /** Resolves once every queued operation (and a running reconcile) has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sweep || this.turns.busy) {
      await this.sweep?.catch(() => undefined);
      await this.turns.idle();
    }
  }

  private async compare(onClosed: (elderId: string) => void): Promise<void> {
    const { alerts, kind } = this.deps;
    const active = new Set(await alerts.activeIncidents(`${kind}:`));
    for (const elderId of this.open.keys()) {
      const key = incidentKey(kind, elderId);
      if (active.has(key)) continue;
      const seen = this.open.get(elderId)?.raise;
      this.enqueue(elderId, async () => {
        // A raise since the comparison is newer than what the comparison saw.
        if (this.open.get(elderId)?.raise !== seen) return;
        if ((await alerts.activeIncidents(key)).includes(key)) return;
        this.open.delete(elderId);
        this.loaded.delete(elderId);
        onClosed(elderId);
      });
    }
  }

  private enqueue(elderId: string, operation: () => Promise<void>): void {
    this.turns.run(elderId, operation).catch((error: unknown) => {
      // The fault at error, the person only at debug: health data stays out of logs above it.
      this.deps.logger.error(
        { err: error, kind: this.deps.kind },
        'detector alert failed; a raise is tried again when next due',
      );
      this.deps.logger.debug(
        { elder: elderId, kind: this.deps.kind },
        'detector alert failed for this elder',
      );
    });
  }
}

function moreSevere(a: Severity, b: Severity): Severity {
  return severityRank[a] >= severityRank[b] ? a : b;
}
