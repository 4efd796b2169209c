/**
 * `npm run bench [-- NAME…]`: runs each `bench/*.bench.ts` (or those named) in its own process,
 * one after another, prints their figures and writes them to `bench/results/<date>.json`
 * with a description of the machine; tracked figures also go to `bench/results/history.jsonl` and
 * are printed next to the worst of the recent runs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { recentRuns, recordRun, worstRecent } from './lib/history.js';
import { ensureMosquitto, mosquittoVersion } from './lib/mosquitto.js';
import { endGroup, exited, log, openFileLimit, repoRoot, spawnTsx } from './lib/processes.js';
import type { BenchResult } from './lib/result.js';

const benchDir = join(repoRoot, 'bench');
const resultsDir = join(benchDir, 'results');
const historyPath = join(resultsDir, 'history.jsonl');
const benchTimeoutMs = 10 * 60_000;
/**
 * Benchmarks that may need longer: ingest's ladder length depends on how many steps are retried (7.4 to
 * over 10 min here, killed at 10 before its mosquitto half on 2026-12-03); under its load processes' own
 * 20-min lifetime.
 */
const benchTimeoutsMs: Record<string, number> = { ingest: 18 * 60_000 };

type Outcome = (BenchResult | { name: string; error: string }) & { seconds?: number };

function machine() {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const cpuList = cpus();
  return {
    os: `${/^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? type()}, ${type()} ${release()} ${arch()}`,
    cpus: { model: cpuList[0]?.model.trim() ?? 'unknown', count: cpuList.length },
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    mosquitto: mosquittoVersion(),
    openFileLimit: openFileLimit(),
  };
}

/** One benchmark in its own process group (it pins itself and its children), its last stdout line its result. */
async function runOne(file: string): Promise<Outcome> {
  const name = file.replace(/\.bench\.ts$/, '');
  const child = spawnTsx(undefined, join('bench', file), {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timeoutMs = benchTimeoutsMs[name] ?? benchTimeoutMs;
  const timer = setTimeout(() => {
    log(`${name}: no result after ${timeoutMs / 60_000} min, killing it`);
    void endGroup(child);
  }, timeoutMs);
  const code = await exited(child);
  clearTimeout(timer);
  await endGroup(child, 0); // anything it left behind
  const last = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Outcome;
  } catch {
    return { name, error: `exited with code ${code} and no result line` };
  }
}

function printTable(outcome: Outcome): void {
  if ('error' in outcome) {
    console.log(`\n${outcome.name}: FAILED — ${outcome.error}`);
    return;
  }
  console.log(`\n${outcome.name} — ${outcome.title} (${outcome.seconds} s)`);
  const width = Math.max(...outcome.figures.map((f) => f.label.length));
  for (const figure of outcome.figures) {
    // a figure a run could not measure (NaN, sent as null) is shown as such, not a crash
    const value =
      typeof figure.value === 'number' && Number.isFinite(figure.value)
        ? figure.value.toLocaleString('en-US', { maximumFractionDigits: 3 })
        : 'n/a';
    const worst = figure.track && worstRecent(historyPath, outcome.name, figure.track);
    const recent =
      worst && worst.runs > 1
        ? `   [worst of the last ${worst.runs} runs: ${worst.value.toLocaleString('en-US', { maximumFractionDigits: 3 })}]`
        : '';
    console.log(`  ${figure.label.padEnd(width)}  ${value.padStart(10)} ${figure.unit}${recent}`);
  }
  for (const note of outcome.notes) console.log(`  · ${note}`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
    .sort();
  if (files.length === 0) throw new Error(`no benchmark matches ${wanted.join(', ')}`);
  // mosquitto, the yardstick of those that name it: found or installed now, not missed minutes into the run.
  if (files.some((f) => readFileSync(join(benchDir, f), 'utf8').includes('mosquitto'))) {
    try {
      ensureMosquitto(log);
    } catch (error) {
      log((error as Error).message);
      process.exit(1);
    }
  }
  const started = Date.now();
  const description = machine();
  log(
    `${description.cpus.count} × ${description.cpus.model}, node ${description.node}, mosquitto ${description.mosquitto}`,
  );
  const outcomes: Outcome[] = [];
  for (const file of files) {
    log(`running ${file}`);
    const t0 = Date.now();
    const outcome = await runOne(file);
    outcomes.push({ ...outcome, seconds: Math.round((Date.now() - t0) / 1000) });
  }
  const seconds = Math.round((Date.now() - started) / 1000);

  // One file per day; a partial run updates only the benchmarks it ran.
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${new Date().toISOString().slice(0, 10)}.json`);
  const previous = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as { benchmarks?: object })
    : {};
  const benchmarks = { ...previous.benchmarks, ...Object.fromEntries(outcomes.map((o) => [o.name, o])) };
  const record = { machine: description, ranAt: new Date(started).toISOString(), seconds, benchmarks };
  // written before anything is printed: a run of many minutes is never lost to a display bug
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  const ranAt = new Date(started).toISOString();
  for (const outcome of outcomes) if (!('error' in outcome)) recordRun(historyPath, outcome, ranAt);
  for (const outcome of outcomes) printTable(outcome);
  console.log(
    `\n${outcomes.length} benchmark(s) in ${seconds} s (worst of up to ${recentRuns} recent runs in brackets)`,
  );
  console.log(`results: ${path}`);
  if (outcomes.some((o) => 'error' in o)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
