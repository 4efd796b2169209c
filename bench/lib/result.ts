import { killAllChildren, log } from './processes.js';

/** One printed row: a measured figure or a ratio between two measured side by side. */
export interface Figure {
  label: string;
  value: number;
  unit: string;
  /**
   * A figure followed from run to run: a stable name, and which way is worse. The runner keeps it in
   * `bench/results/history.jsonl` and prints the worst of the recent runs next to this run's.
   */
  track?: { key: string; worse: 'higher' | 'lower' };
}

export interface BenchResult {
  name: string;
  title: string;
  figures: Figure[];
  /** How the figures were obtained, and anything that limits them. */
  notes: string[];
  /** Every raw measurement behind the figures. */
  details: Record<string, unknown>;
}

/**
 * The body of a `*.bench.ts` process: runs `measure`, prints its result as one JSON line
 * (the last line of stdout, read by `bench/run.ts`), and leaves no child process behind.
 */
export function runBench(name: string, measure: () => Promise<Omit<BenchResult, 'name'>>): void {
  const started = Date.now();
  measure().then(
    (result) => {
      killAllChildren();
      log(`${name} done in ${Math.round((Date.now() - started) / 1000)} s`);
      process.stdout.write(`${JSON.stringify({ name, ...result })}\n`, () => process.exit(0));
    },
    (error: unknown) => {
      killAllChildren();
      console.error(error);
      process.stdout.write(`${JSON.stringify({ name, error: String(error) })}\n`, () => process.exit(1));
    },
  );
}
