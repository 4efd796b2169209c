import type { Logger } from 'pino';
import type { HealthChange, HealthCondition } from '../ingest/device-health.js';
import type { Channel } from '../kernel/channel.js';
import { KeyedTurns } from '../kernel/keyed-turns.js';
import { type AlertBook, incidentKey } from './alert-book.js';
import { alertKindSpecs } from './alert-kinds.js';

/**
 * Device health's conditions as alerts, one per device and condition: raised when a condition
 * begins, resolved when it ends. Operations for one device run in order (a clear never
 * overtakes its raise); different devices run side by side.
 */
export class HealthAlerts {
  /** Each device's changes in order. */
  private readonly turns = new KeyedTurns();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: { alerts: AlertBook; changes: Channel<HealthChange>; logger: Logger }) {}

  start(): void {
    this.unsubscribe = this.deps.changes.subscribe((change) => this.apply(change));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.idle();
  }

  /** Devices with an active alert of this condition (device health reads them at its start). */
  async conditionsOn(condition: HealthCondition): Promise<string[]> {
    const prefix = `${condition}:`;
    return (await this.deps.alerts.activeIncidents(prefix)).map((key) => key.slice(prefix.length));
  }

  /** Resolves once every queued alert operation has finished (tests, shutdown, revocation). */
  async idle(): Promise<void> {
    await this.turns.idle();
  }

  private apply(change: HealthChange): void {
    const { alerts, logger } = this.deps;
    this.enqueue(change.deviceId, async () => {
      if (change.change === 'ended') {
        await alerts.resolve(incidentKey(change.condition, change.deviceId), {
          status: 'resolved',
          outcome: change.outcome,
          actor: 'hub',
        });
        return;
      }
      const raised = await alerts
        .raise({
          kind: change.condition,
          severity: alertKindSpecs[change.condition].severity,
          deviceId: change.deviceId,
          details: change.details,
        })
        .catch((error: unknown) => {
          change.failed(); // device health begins it again: never taken for raised
          throw error;
        });
      if (!raised)
        logger.debug({ device: change.deviceId, kind: change.condition }, 'no alert: device has no elder');
    });
  }

  private enqueue(deviceId: string, operation: () => Promise<void>): void {
    this.turns.run(deviceId, operation).catch((error: unknown) => {
      this.deps.logger.error(
        { err: error, device: deviceId },
        'device health alert failed; a raise is tried again at the next tick',
      );
    });
  }
}
