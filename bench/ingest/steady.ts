/**
 * The rate the overload is measured against: the ladder's largest step, confirmed taken whole (nothing shed)
 * for as long as the recovery runs, or the largest of a few lower rates that is. A ladder step is judged
 * over 10 s with ≤ 1 % shed and passes if one of two tries does: at the edge of capacity it passes by
 * luck (2026-12-04: 30,000 msg/s shed 27 % at its first try and nothing at its second, then 10–50 % in
 * most seconds of a 30-s run at the same rate with no overload before it). Recovery "back to 0" at a
 * rate the hub sheds at anyway measures nothing.
 */
import { log, sleep } from '../lib/processes.js';
import type { Broker } from './brokers.js';
import type { Ladder } from './ladder.js';
import type { Rig } from './rig.js';
import { hubSettleMs, recoverySeconds, warmUpSeconds } from './settings.js';
import { describe, step } from './step.js';

export interface SteadyRate {
  /** msg/s the overload doubles and the recovery runs at. */
  rate: number;
  /** Whether `rate` was taken with nothing shed for `seconds` (false: no rate tried was; the lowest is used). */
  takenWhole: boolean;
  seconds: number;
  /** Each rate tried, largest first: what it shed and lost over its measured seconds. */
  tried: { offered: number; shedPercent: number; lossPercent: number }[];
}

/** Of the ladder's best, as a fraction: the rates tried, largest first. */
const FRACTIONS = [1, 7 / 8, 3 / 4, 5 / 8];

export async function steadyRate(rig: Rig, broker: Broker, ladder: Ladder): Promise<SteadyRate> {
  const fleet = ladder.best?.fleet ?? rig.connected;
  const top = ladder.best?.offered ?? ladder.steps[0]!.handledPerSecond;
  const tried: SteadyRate['tried'] = [];
  let rate = top;
  for (const fraction of FRACTIONS) {
    rate = Math.round((top * fraction) / 250) * 250;
    const s = await step(rig, broker, fleet, rate / fleet, recoverySeconds, warmUpSeconds);
    log(`steady rate: ${describe(s)}`);
    tried.push({ offered: s.offered, shedPercent: s.shedPercent, lossPercent: s.lossPercent });
    if (s.shed === 0 && s.sustained) return { rate, takenWhole: true, seconds: recoverySeconds, tried };
    await sleep(hubSettleMs);
  }
  return { rate, takenWhole: false, seconds: recoverySeconds, tried };
}
