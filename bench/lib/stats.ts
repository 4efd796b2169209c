import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** A seeded pseudo-random source in [0, 1): the same sequence in every run. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/**
 * Wall-clock ms, the clock the bench's processes stamp and compare across processes (an SOS published in a load
 * process, seen on the console in the bench's): the system clock at each call. Not `performance.timeOrigin +
 * performance.now()`, which fixes each process's offset at its start: while the system clock was slewed here
 * (5 ms/s on 2026-12-04), processes started a minute apart disagreed by hundreds of ms and SOS → console came
 * out negative.
 */
export const now = () => Date.now();

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** A process's resident memory now (VmRSS) and at its peak (VmHWM), in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: round(kib('VmRSS') / 1024, 1), peak: round(kib('VmHWM') / 1024, 1) };
}

export const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);

/** The resident memory of several processes together (VmRSS summed), in MiB. */
export function rssMiB(pids: number[]): number {
  return round(sum(pids.map((pid) => memoryMiB(pid).rss)), 1);
}

/**
 * Resets a process's peak resident memory (VmHWM) to its current RSS (`clear_refs` 5, Linux ≥ 4.0),
 * so that a later `memoryMiB(pid).peak` is the peak of what came after. False if the kernel refused.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every `everyMs` until the returned function is called: the highest seen (MiB). */
export function rssPeak(pid: number, everyMs: number): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryMiB(pid).rss);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, memoryMiB(pid).rss);
  };
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a process has used so far; with `reaped`, also its children that have ended. */
export function cpuSeconds(pid: number, reaped = false): number {
  return statCpuSeconds(`/proc/${pid}/stat`, reaped);
}

/**
 * CPU seconds processes have used so far, all threads and their main threads alone (a Node process's event
 * loop; the rest: workers, libuv's pool, V8's helpers). With `skipGone`, a process that ended counts 0.
 */
export function processesCpuSeconds(pids: number[], skipGone = false): { cpu: number; mainCpu: number } {
  let cpu = 0;
  let mainCpu = 0;
  for (const pid of pids) {
    try {
      const all = cpuSeconds(pid);
      mainCpu += statCpuSeconds(`/proc/${pid}/task/${pid}/stat`, false);
      cpu += all;
    } catch (error) {
      if (!skipGone) throw error;
    }
  }
  return { cpu, mainCpu };
}

function statCpuSeconds(path: string, reaped: boolean): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15,
  // cutime 16, cstime 17 (children waited for).
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const children = reaped ? fields[13]! + fields[14]! : 0;
  return (fields[11]! + fields[12]! + children) / clockTicks;
}

/**
 * CPU seconds of a process and its children, those running and those ended (a server's connections come and
 * go: PostgreSQL's backends); a child that ended meanwhile moves from one term to the other, counted once.
 */
function treeCpuSeconds(pid: number): number {
  const live = childrenOf(pid).map((child) => {
    try {
      return cpuSeconds(child);
    } catch {
      return 0; // ended between the listing and the read: counted in the parent's share from now on
    }
  });
  return cpuSeconds(pid, true) + sum(live);
}

/** How busy a process and its children keep the CPU from now until the returned function is called (1 = one core). */
export function treeCpuMeter(pid: number): () => number {
  const [cpu, wall] = [treeCpuSeconds(pid), performance.now()];
  return () => round((treeCpuSeconds(pid) - cpu) / ((performance.now() - wall) / 1000), 2);
}

/** The child processes of `pid` (node:cluster's workers of a primary, a server's connections), from /proc. */
export function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

/** How busy processes keep the CPU from now until the returned function is called (1 = one core, summed). */
export function cpuMeter(...pids: number[]): () => number {
  const used = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const [cpu, wall] = [used(), performance.now()];
  return () => round((used() - cpu) / ((performance.now() - wall) / 1000), 2);
}

/**
 * How busy one CPU core is from now until the returned function is called (0–1, whoever runs on it), and
 * the share of its time the hypervisor gave to someone else (steal), from `/proc/stat`.
 */
export function coreMeter(core: number): () => { busy: number; steal: number } {
  const read = () => {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${core} `));
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = (line ?? '')
      .split(/\s+/)
      .slice(1, 9)
      .map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal!, total: busy + steal! + idle! + iowait! };
  };
  const start = read();
  return () => {
    const end = read();
    const total = Math.max(1, end.total - start.total);
    return {
      busy: round((end.busy - start.busy) / total, 2),
      steal: round((end.steal - start.steal) / total, 2),
    };
  };
}

/**
 * Times the kernel dropped a connection because a listening socket's accept queue was full
 * (TcpExt ListenOverflows, machine-wide; only loopback load runs here).
 */
export function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const [names, values] = lines.filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(/\s+/));
  const i = names?.indexOf('ListenOverflows') ?? -1;
  return i > 0 ? Number(values?.[i]) : Number.NaN;
}
