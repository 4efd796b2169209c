import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Channel } from '../../kernel/channel.js';
import { dialects } from '../../test/support/databases.js';
import { advance, DetectorRig, shenzhen, useFakeClock } from '../../test/support/detector-kit.js';
import type { DetectorDeps } from './detector-deps.js';
import { type DetectorRules, Detectors, defaultDetectorRules } from './index.js';

const minute = 60_000;

describe.each(dialects)('detectors as one stage on %s', (dialect) => {
  let rig: DetectorRig;
  let detectors: Detectors;

  beforeEach(async () => {
    useFakeClock(shenzhen(23, 40));
    rig = await DetectorRig.open(dialect);
    detectors = new Detectors(rig.deps(defaultDetectorRules));
    await detectors.start();
  });
  afterEach(async () => {
    await detectors.stop();
    await rig.close();
    vi.useRealTimers();
  });

  it('[DETECTORS] one start() runs all three; each raises its own kind for the same elder', async () => {
    await rig.event('d-0001', 'open');
    await advance(11 * minute, () => detectors.idle(), {
      each: () => rig.send('w-0001', { heart_rate: 32, worn: true }),
    });
    await detectors.reload();
    expect(await rig.summary('wandering')).toEqual(['open/high']);
    expect(await rig.summary('vitals')).toEqual(['open/critical']); // beyond the limits for 10 minutes
    expect(await rig.summary('inactivity')).toEqual([]);
  });
});

describe.each(dialects)('detectors after partitions moved on %s', (dialect) => {
  let rig: DetectorRig;
  let detectors: Detectors;
  let deps: DetectorDeps<DetectorRules>;
  const owners = new Channel<void>((e) => {
    throw e;
  });

  beforeEach(async () => {
    useFakeClock(shenzhen(23, 40));
    rig = await DetectorRig.open(dialect);
    deps = rig.deps(defaultDetectorRules);
    detectors = new Detectors({ ...deps, ownershipChanged: owners });
    await detectors.start();
  });
  afterEach(async () => {
    await detectors.stop();
    await rig.close();
    vi.useRealTimers();
  });

  it('[DETECTORS-RESTART-RETRY] partitions move and the store fails one detector’s restart: the others run at once, and it runs after a retry', async () => {
    vi.spyOn(deps.alerts, 'activeIncidents').mockRejectedValueOnce(
      new Error('Connection terminated unexpectedly'),
    );
    owners.publish();
    await detectors.idle();
    await rig.event('d-0001', 'open');
    await advance(12 * minute, () => detectors.idle(), {
      each: () => rig.send('w-0001', { heart_rate: 32, worn: true }),
    });
    await detectors.reload();
    expect(await rig.summary('wandering')).toEqual(['open/high']);
    expect(await rig.summary('vitals')).toEqual(['open/critical']);
  });

  it('[DETECTORS-RESTART-ONLY-FAILED] the retry builds afresh only the detector the store failed, not all three', async () => {
    const built = vi.spyOn(deps.logger, 'child'); // each detector is built with its own child logger
    vi.spyOn(deps.alerts, 'activeIncidents').mockRejectedValueOnce(
      new Error('Connection terminated unexpectedly'),
    );
    owners.publish();
    await advance(5000, () => detectors.idle());
    const counts = new Map<unknown, number>();
    for (const [bindings] of built.mock.calls)
      counts.set(bindings.detector, (counts.get(bindings.detector) ?? 0) + 1);
    // all three at the restart, then the failed one again
    expect([...counts.values()].sort()).toEqual([1, 1, 2]);
  });
});
