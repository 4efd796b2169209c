import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/hub-process.js';
import { findProgram } from '../../bench/lib/programs.js';
import { need, programNeed } from './services.js';

/** VictoriaMetrics (Debian's `victoria-metrics`): TEST_VICTORIA_METRICS_BIN, else on PATH or in /usr/bin. */
export const victoriaMetrics = programNeed(
  'victoria-metrics',
  'TEST_VICTORIA_METRICS_BIN',
  'the victoria-metrics program (a single-node server, e.g. victoria-metrics-prod)',
  () => findProgram('victoria-metrics', { last: ['/usr/bin'] }),
);

/**
 * A real VictoriaMetrics server (Debian's `victoria-metrics`, installed by `npm test` as root) on
 * 127.0.0.1, with its own storage: the tests stop and restart it to make outages.
 */
export class VictoriaMetrics {
  private process: ChildProcess | undefined;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'yiyang-vm-'));

  private constructor(
    private readonly program: string,
    readonly port: number,
  ) {}

  static async start(): Promise<VictoriaMetrics> {
    const vm = new VictoriaMetrics(need(victoriaMetrics), await freePort());
    await vm.resume();
    return vm;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn(
      this.program,
      [
        `-httpListenAddr=127.0.0.1:${this.port}`,
        `-storageDataPath=${this.dataDir}`,
        '-search.latencyOffset=1s',
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
      ],
      { stdio: 'ignore' },
    );
    this.process.on('error', (error) => {
      throw new Error(`victoria-metrics could not start (${this.program}): ${error.message}`);
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('victoria-metrics did not become healthy in 15 s');
  }

  /** Stops the server (its data stays for `resume`). */
  async pause(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Every point of the series matching `selector`, summed over series. */
  async countPoints(selector: string): Promise<{ points: number; series: Array<Record<string, string>> }> {
    const res = await fetch(`${this.url}/api/v1/export?match[]=${encodeURIComponent(selector)}`);
    const text = await res.text();
    let points = 0;
    const series: Array<Record<string, string>> = [];
    for (const line of text.split('\n').filter(Boolean)) {
      const row = JSON.parse(line) as { metric: Record<string, string>; values: number[] };
      points += row.values.length;
      series.push(row.metric);
    }
    return { points, series };
  }

  /** The latest value of one series. */
  async lastValue(selector: string): Promise<number | undefined> {
    const res = await fetch(`${this.url}/api/v1/export?match[]=${encodeURIComponent(selector)}`);
    const rows = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { values: number[] });
    return rows[0]?.values.at(-1);
  }
}
