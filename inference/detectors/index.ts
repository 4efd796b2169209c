import { RetryUntilDone } from '../../kernel/retry-until-done.js';
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

interface Parts {
  vitals: VitalsWatch;
  wandering: NightWandering;
  inactivity: Inactivity;
}
type PartName = keyof Parts;
const partNames: readonly PartName[] = ['vitals', 'wandering', 'inactivity'];

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
  private parts: Parts;
  private unsubscribe: Array<() => void> = [];
  /** Restarts in order; one whose detectors did not all start is tried again until they do. */
  private readonly restarts: RetryUntilDone;
  private restartQueued = false;
  /** Detectors of the latest restart not started yet (the store failed them). */
  private unstarted: PartName[] = [];

  constructor(
    private readonly deps: DetectorDeps<DetectorRules> & {
      /** Cluster mode: published when this process's elders changed. */
      ownershipChanged?: { subscribe(listener: () => void): () => void };
    },
  ) {
    this.parts = this.buildAll();
    this.restarts = new RetryUntilDone({
      onFailure: (error, retryInMs) =>
        deps.logger.error({ err: error, retryInMs }, 'detectors not restarted; retried'),
    });
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
    this.restarts.start();
    await this.startParts();
    this.unsubscribe = [this.deps.district.changed.subscribe(() => this.reload())];
    const owners = this.deps.ownershipChanged;
    if (owners) this.unsubscribe.push(owners.subscribe(() => this.restart()));
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.restarts.stop();
    await this.stopParts();
  }

  /** The district changed: homes, devices and per-person settings may have. */
  async reload(): Promise<void> {
    const { vitals, wandering, inactivity } = this.parts;
    await Promise.all([vitals.reload(), wandering.reload(), inactivity.reload()]);
  }

  /** Resolves once every queued alert operation and start-up replay has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await this.restarts.idle();
    const { vitals, wandering, inactivity } = this.parts;
    await Promise.all([vitals.idle(), wandering.idle(), inactivity.idle()]);
  }

  /**
   * Partitions changed hands: new detectors, started from the store, for the elders now this process's.
   * Each starts on its own: one the store fails is built afresh and started again (1 s later, then twice
   * as long each time up to 30 s) until it runs, while the others run meanwhile.
   */
  private restart(): void {
    // A restart queued and not yet begun reads ownership when it begins: it covers this change too.
    if (this.restartQueued) return;
    this.restartQueued = true;
    void this.restarts.run(async (attempt) => {
      if (attempt === 0) {
        this.restartQueued = false;
        const old = this.parts;
        this.parts = this.buildAll();
        this.unstarted = [...partNames];
        await Promise.all(partNames.map((name) => old[name].stop()));
      }
      await this.startUnstarted();
    });
  }

  /** Starts the detectors not started yet; those that fail are stopped and built afresh for the next try. */
  private async startUnstarted(): Promise<void> {
    const errors: unknown[] = [];
    for (const name of [...this.unstarted]) {
      try {
        await this.parts[name].start();
        this.unstarted = this.unstarted.filter((n) => n !== name);
      } catch (error) {
        errors.push(error);
        await this.parts[name].stop().catch(() => undefined);
        this.rebuild(name);
      }
    }
    if (errors.length > 0)
      throw new AggregateError(errors, `detectors not started: ${this.unstarted.join(', ')}`);
  }

  private rebuild<N extends PartName>(name: N): void {
    this.parts[name] = this.build(name);
  }

  private buildAll(): Parts {
    return {
      vitals: this.build('vitals'),
      wandering: this.build('wandering'),
      inactivity: this.build('inactivity'),
    };
  }

  private build<N extends PartName>(name: N): Parts[N] {
    const { deps } = this;
    const logger = deps.logger.child({ detector: name });
    const make: { [K in PartName]: () => Parts[K] } = {
      vitals: () => new VitalsWatch({ ...deps, logger, rules: deps.rules.vitals }),
      wandering: () => new NightWandering({ ...deps, logger, rules: deps.rules.wandering }),
      inactivity: () => new Inactivity({ ...deps, logger, rules: deps.rules.inactivity }),
    };
    return make[name]();
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
