/** The load ladder: growing fleets, then growing rates, until a broker no longer keeps up. */
import { log, sleep } from '../lib/processes.js';
import type { Broker } from './brokers.js';
import { grow, type Rig } from './rig.js';
import {
  fleetSteps,
  hubFreshWarmUpSeconds,
  hubSettleMs,
  maxFleet,
  rateSteps,
  stepSeconds,
  warmUpSeconds,
} from './settings.js';
import { describe, type Step, step } from './step.js';

export interface Ladder {
  steps: Step[];
  /** The largest offered rate sustained (msg/s = watches at 1 msg/s), and the step that gave it. */
  sustained: number;
  best?: Step;
  /** Why the ladder stopped: the broker failed a step, the load side could not offer more, or no step was left. */
  limitedBy: 'broker' | 'load' | 'ladder end';
}

/**
 * Fleets of 1-msg/s watches growing step by step (connecting the new ones), then more messages a second
 * per watch on the largest fleet; at the first step not sustained, one more step half-way back.
 */
export async function ladder(
  rig: Rig,
  broker: Broker,
  also?: { fleet: number; rate: number },
): Promise<Ladder> {
  const plan = [
    ...fleetSteps.map((fleet) => ({ fleet, rate: 1 })),
    ...rateSteps.map((rate) => ({ fleet: maxFleet, rate })),
  ];
  // A step of the other broker's ladder, to compare both on the very same load.
  if (also && !plan.some((p) => p.fleet === also.fleet && p.rate === also.rate)) {
    plan.push(also);
    plan.sort((a, b) => a.fleet - b.fleet || a.rate - b.rate);
  }
  const steps: Step[] = [];
  const run = async (fleet: number, rate: number) => {
    const grew = await grow(rig, broker, fleet);
    // The hub answers a burst of CONNECTs by shedding for a few seconds (its event loop was saturated).
    if (grew && broker.name === 'hub') await sleep(hubSettleMs);
    const fresh = fleet > rig.streamed;
    const warmUp = broker.name === 'hub' && fresh ? hubFreshWarmUpSeconds : warmUpSeconds;
    const s = await step(rig, broker, fleet, rate, stepSeconds, warmUp);
    log(describe(s));
    steps.push(s);
    return s;
  };
  let failed: Step | undefined;
  for (const { fleet, rate } of plan) {
    let s = await run(fleet, rate);
    if (!s.sustained && !s.loadBound) {
      // This machine's cores are shared: one stall of the broker's core can fail a step. Try it once more.
      await sleep(hubSettleMs);
      s = await run(fleet, rate);
    }
    if (!s.sustained) {
      failed = s;
      break;
    }
    await sleep(1_000);
  }
  const lastPass = steps.filter((s) => s.sustained).at(-1);
  if (failed && !failed.loadBound && lastPass) {
    await sleep(hubSettleMs); // the backlog and the shedder of the failed step
    const sameFleet = failed.fleet === lastPass.fleet;
    const fleet = sameFleet ? failed.fleet : Math.round((failed.fleet + lastPass.fleet) / 2 / 500) * 500;
    const rate = sameFleet ? (failed.ratePerWatch + lastPass.ratePerWatch) / 2 : 1;
    await run(fleet, rate);
  }
  const best = steps
    .filter((s) => s.sustained)
    .sort((x, y) => x.offered - y.offered)
    .at(-1);
  return {
    steps,
    sustained: best?.offered ?? 0,
    best,
    limitedBy: !failed ? 'ladder end' : failed.loadBound ? 'load' : 'broker',
  };
}
