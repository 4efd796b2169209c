import type { DetectorDeps } from './detector-deps.js';
import { defaultInactivityRules, Inactivity, type InactivityRules } from './inactivity.js';
import { defaultVitalsRules, type VitalsRules } from './vitals-rules.js';
import { VitalsWatch } from './vitals-watch.js';
import { defaultWanderingRules, NightWandering, type WanderingRules } from './wandering.js';

export { defaultInactivityRules, Inactivity, type InactivityRules } from './inactivity.js';
export { defaultVitalsRules, type VitalsRules } from './vitals-rules.js';
export { VitalsWatch } from './vitals-watch.js';
export { defaultWanderingRules, NightWandering, type WanderingRules } from './wandering.js';

export interface DetectorRules {
  vitals: VitalsRules;
  wandering: WanderingRules;
  inactivity: InactivityRules;
}

export const defaultDetectorRules: DetectorRules = {
  vitals: defaultVitalsRules,
  wandering: defaultWanderingRules,
  inactivity: defaultInactivityRules,
};

type PartName = 'vitals' | 'wandering' | 'inactivity';
const partNames: readonly PartName[] = ['vitals', 'wandering', 'inactivity'];
/** How soon a detector whose restart the store failed is tried again: doubling from `first` up to `max`. */
const restartRetryMs = { first: 1000, max: 30_000 };

/**
 * The rule-based detectors of the hub as one stage: vitals, night wandering, inactivity.
 * Each logs through a child of the given logger bound to `detector: vitals|wandering|inactivity`.
 *
 * In cluster mode they watch this process's elders (`deps.district` lists only their homes); when
 * partitions change hands the three are started afresh, so that what they keep is rebuilt from the
 * store for the elders now theirs (baselines, latest activity, who is out, open incidents) and
 * nothing is kept of the elders given up.
 */
export class Detectors {
  private parts: { vitals: VitalsWatch; wandering: NightWandering; inactivity: Inactivity };
  private unsubscribe: Array<() => void> = [];
  private restarting: Promise<void> = Promise.resolve();
  private restartQueued = false;
  /** The next try of detectors whose restart failed. */
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly deps: DetectorDeps<DetectorRules> & {
      /** Cluster mode: published when this process's elders changed. */
      ownershipChanged?: { subscribe(listener: () => void): () => void };
    },
  ) {
    this.parts = this.build();
  }

  get vitals(): VitalsWatch {
    return this.parts.vitals;
  }

  get wandering(): NightWandering {
    return this.parts.wandering;
  }

  get inactivity(): Inactivity {
    return this.parts.inactivity;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.startParts();
    this.unsubscribe = [this.deps.district.changed.subscribe(() => this.reload())];
    const owners = this.deps.ownershipChanged;
    if (owners) this.unsubscribe.push(owners.subscribe(() => this.restart()));
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    this.stopped = true;
    clearTimeout(this.retry);
    await this.restarting;
    await this.stopParts();
  }

  /** The district changed: homes, devices and per-person settings may have. */
  async reload(): Promise<void> {
    const { vitals, wandering, inactivity } = this.parts;
    await Promise.all([vitals.reload(), wandering.reload(), inactivity.reload()]);
  }

  /** Resolves once every queued alert operation and start-up replay has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.restarting;
    const { vitals, wandering, inactivity } = this.parts;
    await Promise.all([vitals.idle(), wandering.idle(), inactivity.idle()]);
  }

  /**
   * Partitions changed hands: new detectors, started from the store, for the elders now this process's.
   * Each starts on its own: one the store fails is built and started again (1 s later, then twice as
   * long each time up to 30 s) until it runs, while the others run meanwhile.
   */
  private restart(): void {
    // A restart queued and not yet begun reads ownership when it begins: it covers this change too.
    if (this.restartQueued) return;
    this.restartQueued = true;
    this.restarting = this.restarting
      .then(async () => {
        this.restartQueued = false;
        clearTimeout(this.retry);
        if (this.stopped) return;
        await this.stopParts();
        this.parts = this.build();
        await this.startEach(partNames, restartRetryMs.first);
      })
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'detectors not restarted after partitions moved'),
      );
  }

  /** Starts the named parts one by one; those that fail are stopped, built afresh and tried again later. */
  private async startEach(names: readonly PartName[], retryMs: number): Promise<void> {
    const failed: PartName[] = [];
    for (const name of names) {
      try {
        await this.parts[name].start();
      } catch (error) {
        this.deps.logger.error(
          { err: error, detector: name, retryInMs: retryMs },
          'detector not restarted; retried',
        );
        await this.parts[name].stop().catch(() => undefined);
        failed.push(name);
      }
    }
    if (failed.length === 0 || this.stopped) return;
    const fresh = this.build();
    const again = (name: PartName) => failed.includes(name);
    this.parts = {
      vitals: again('vitals') ? fresh.vitals : this.parts.vitals,
      wandering: again('wandering') ? fresh.wandering : this.parts.wandering,
      inactivity: again('inactivity') ? fresh.inactivity : this.parts.inactivity,
    };
    this.retry = setTimeout(() => {
      this.restarting = this.restarting
        .then(() =>
          this.stopped ? undefined : this.startEach(failed, Math.min(retryMs * 2, restartRetryMs.max)),
        )
        .catch((error: unknown) =>
          this.deps.logger.error({ err: error }, 'detectors not restarted; retried'),
        );
    }, retryMs);
  }

  private build() {
    const { deps } = this;
    const part = <R>(detector: string, rules: R): DetectorDeps<R> => ({
      ...deps,
      logger: deps.logger.child({ detector }),
      rules,
    });
    return {
      vitals: new VitalsWatch(part('vitals', deps.rules.vitals)),
      wandering: new NightWandering(part('wandering', deps.rules.wandering)),
      inactivity: new Inactivity(part('inactivity', deps.rules.inactivity)),
    };
  }

  private async startParts(): Promise<void> {
    await this.parts.vitals.start();
    await this.parts.wandering.start();
    await this.parts.inactivity.start();
  }

  private async stopParts(): Promise<void> {
    const { vitals, wandering, inactivity } = this.parts;
    await Promise.all([vitals.stop(), wandering.stop(), inactivity.stop()]);
  }
}
