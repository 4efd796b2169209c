/** Growing fleets of homes, one window each, until one is not sustained; then one fleet half-way back. */
import { log, sleep } from '../lib/processes.js';
import { measure } from './measure.js';
import { grow, type Rig } from './rig.js';
import { fleets, maxConnectedHomes, settleMs, sustainSeconds, warmUpSeconds } from './settings.js';
import { describe, type Window } from './window.js';

export interface FleetLadder {
  windows: Window[];
  /** Fleets not run: a smaller one was not sustained (or the time was up). */
  skipped: number[];
  /** The ladder stopped at its time limit, not at a fleet not sustained. */
  outOfTime?: boolean;
}

/**
 * `ladder`: the fleets in order (BENCH_FLEET_HOMES by default); `halfWayBack`: after a fleet fails, measure one
 * between it and the last sustained; `warmUp` and `seconds` of each window (the fleet's knobs by default);
 * `until`: no window starts after this wall-clock ms (the rest are skipped, and the ladder says so).
 */
export async function climb(
  rig: Rig,
  {
    ladder = fleets,
    halfWayBack = true,
    warmUp = warmUpSeconds,
    seconds = sustainSeconds,
    until = Number.POSITIVE_INFINITY,
  }: { ladder?: number[]; halfWayBack?: boolean; warmUp?: number; seconds?: number; until?: number } = {},
): Promise<FleetLadder> {
  const windows: Window[] = [];
  const skipped: number[] = [];
  let outOfTime = false;
  const run = async (homes: number, label: string, attempt = 1) => {
    await grow(rig, Math.min(homes, maxConnectedHomes));
    const w = await measure(rig, homes, { warmUp, seconds, label, attempt });
    log(describe(w));
    windows.push(w);
    return w;
  };
  let failed: Window | undefined;
  for (const [i, homes] of ladder.entries()) {
    if (Date.now() > until) {
      outOfTime = true;
      skipped.push(...ladder.slice(i));
      break;
    }
    let w = await run(homes, `h${homes}`);
    if (!w.sustained && !w.loadBound && Date.now() < until) {
      // A stall of the shared core can fail one window: try once more.
      await sleep(settleMs);
      w = await run(homes, `h${homes}b`, 2);
    }
    if (!w.sustained) {
      failed = w;
      skipped.push(...ladder.slice(i + 1));
      break;
    }
    await sleep(2_000);
  }
  const lastPass = windows.filter((w) => w.sustained).at(-1);
  if (failed && !failed.loadBound && halfWayBack) {
    // One fleet half-way back (or half the smallest, if none passed).
    const lower = lastPass?.homes ?? 0;
    const homes = Math.round((lower + failed.homes) / 2 / 500) * 500 || Math.round(failed.homes / 2);
    if (homes > lower) {
      await sleep(settleMs);
      await run(homes, `h${homes}`);
    }
  }
  if (skipped.length)
    log(
      `not run: ${skipped.join(', ')} homes (${outOfTime ? 'out of time' : 'a smaller fleet was not sustained'})`,
    );
  return { windows, skipped, outOfTime };
}
