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

/**
 * The rule-based detectors of the hub as one stage: vitals, night wandering, inactivity.
 * Each logs through a child of the given logger bound to `detector: vitals|wandering|inactivity`.
 */
export class Detectors {
  readonly vitals: VitalsWatch;
  readonly wandering: NightWandering;
  readonly inactivity: Inactivity;
  private readonly district: DetectorDeps<DetectorRules>['district'];
  private unsubscribe: (() => void) | undefined;

  constructor(deps: DetectorDeps<DetectorRules>) {
    this.district = deps.district;
    const part = <R>(detector: string, rules: R): DetectorDeps<R> => ({
      ...deps,
      logger: deps.logger.child({ detector }),
      rules,
    });
    this.vitals = new VitalsWatch(part('vitals', deps.rules.vitals));
    this.wandering = new NightWandering(part('wandering', deps.rules.wandering));
    this.inactivity = new Inactivity(part('inactivity', deps.rules.inactivity));
  }

  async start(): Promise<void> {
    await this.vitals.start();
    await this.wandering.start();
    await this.inactivity.start();
    this.unsubscribe = this.district.changed.subscribe(() => this.reload());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([this.vitals.stop(), this.wandering.stop(), this.inactivity.stop()]);
  }

  /** The district changed: homes, devices and per-person settings may have. */
  async reload(): Promise<void> {
    await Promise.all([this.vitals.reload(), this.wandering.reload(), this.inactivity.reload()]);
  }

  /** Resolves once every queued alert operation and start-up replay has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([this.vitals.idle(), this.wandering.idle(), this.inactivity.idle()]);
  }
}
