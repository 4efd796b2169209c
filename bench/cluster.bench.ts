/**
 * One hub process against two, side by side in one run (issue 14, point 7): the fleet benchmark's full
 * pipeline — homes of a watch, a fall radar and a door contact, SOS timed from its publish to a specialist's
 * console — against (a) one hub process on PostgreSQL and (b) HUB_PROCESSES=2 on Redis and PostgreSQL, each
 * up the same ladder of fleets until one is not sustained. Reported: homes sustained, SOS → console p50/p99,
 * CPU per device-second summed over the hub's processes, Redis's and PostgreSQL's own CPU, and (b)/(a).
 *
 * On two cores the servers share core 0 and the load core 1 (see the notes): this measures what clustering
 * costs per message, not what it gains with a core per process.
 *
 * The parts live in bench/cluster/ (knobs, engines, one side, the report) and reuse bench/fleet/.
 */
import { cpus, loadavg } from 'node:os';
import { ensureEngines, startPostgres } from './cluster/engines.js';
import { clusterReport } from './cluster/report.js';
import { serverCore, sides } from './cluster/settings.js';
import { runSide, type SideRun } from './cluster/side.js';
import { log, pinSelf } from './lib/processes.js';
import { runBench } from './lib/result.js';
import { round } from './lib/stats.js';

const load1 = () => round(loadavg()[0]!, 2);

runBench('cluster', async () => {
  pinSelf(1);
  ensureEngines(log);
  const postgres = await startPostgres(serverCore);
  try {
    const runs: SideRun[] = [];
    const starts: number[] = [];
    for (const side of sides) {
      starts.push(load1());
      log(`${side.title}: load average ${starts.at(-1)}`);
      runs.push(await runSide(side, postgres));
    }
    return clusterReport(runs as [SideRun, SideRun], { start: starts, end: load1() }, cpus().length);
  } finally {
    await postgres.stop();
  }
});
