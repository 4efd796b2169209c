/**
 * The tracked figures of every benchmark run, one JSON line per run in `bench/results/history.jsonl`, so that
 * a run is printed next to the worst of the recent runs: on this noisy machine one good run says little.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { BenchResult } from './result.js';

/** How many runs (this one included) "recent" means. */
export const recentRuns = 5;

interface Line {
  name: string;
  ranAt: string;
  figures: Record<string, number | null>;
}

function lines(path: string): Line[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

/** Appends this run's tracked figures. */
export function recordRun(path: string, result: BenchResult, ranAt: string): void {
  const figures = Object.fromEntries(
    result.figures
      .filter((f) => f.track)
      .map((f) => [f.track!.key, Number.isFinite(f.value) ? f.value : null]),
  );
  if (Object.keys(figures).length === 0) return;
  appendFileSync(path, `${JSON.stringify({ name: result.name, ranAt, figures } satisfies Line)}\n`);
}

/** The worst value of `key` over the last `recentRuns` runs of `name`, and how many runs had it. */
export function worstRecent(
  path: string,
  name: string,
  track: { key: string; worse: 'higher' | 'lower' },
): { value: number; runs: number } | undefined {
  const values = lines(path)
    .filter((l) => l.name === name)
    .slice(-recentRuns)
    .map((l) => l.figures[track.key])
    .filter((v): v is number => typeof v === 'number');
  if (values.length === 0) return undefined;
  return {
    value: track.worse === 'higher' ? Math.max(...values) : Math.min(...values),
    runs: values.length,
  };
}
