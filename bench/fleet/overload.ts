/** Twice the largest sustained fleet's rate: are events still all delivered, how much telemetry is shed, peak RSS. */
import { log, sleep } from '../lib/processes.js';
import { measure } from './measure.js';
import { grow, type Rig } from './rig.js';
import { fleets, maxConnectedHomes, overloadSeconds, settleMs } from './settings.js';
import { describe, largestSustained, type Window } from './window.js';

export async function measureOverload(rig: Rig, windows: Window[]): Promise<Window> {
  const best = largestSustained(windows);
  const overloadHomes = 2 * (best?.homes ?? Math.round(fleets[0]! / 2));
  await sleep(settleMs);
  await grow(rig, Math.min(overloadHomes, maxConnectedHomes));
  log(
    `overload: ${overloadHomes} home-equivalents (2 × ${best?.homes ?? 'none sustained'}) for ${overloadSeconds} s`,
  );
  const window = await measure(rig, overloadHomes, {
    warmUp: 0,
    seconds: overloadSeconds,
    label: 'overload',
    peak: true,
  });
  log(describe(window));
  return window;
}
