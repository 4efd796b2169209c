import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../hub/config.js';
import { type Hub, startHub } from '../../hub/hub.js';
import type { ClockState, SimClock } from './sim-clock.js';

export interface LocalHubOptions {
  adminPassword: string;
  clock: SimClock;
  /** Run the hub in this process (tests) rather than in a child process of its own (a second core). */
  inProcess: boolean;
  fallCancelWindowS: number;
  /** The hub consults the home's radar during a watch's cancel window (FALL_RADAR_FUSION). */
  fallRadarFusion?: boolean;
  logLevel?: string;
}

/** Settings of a throwaway hub on free 127.0.0.1 ports whose clock is the simulated one. */
export function localHubSettings(o: {
  adminPassword: string;
  dataDir: string;
  fallCancelWindowS: number;
  fallRadarFusion?: boolean;
  logLevel?: string;
}) {
  return {
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    dataDir: o.dataDir,
    adminPassword: o.adminPassword,
    logLevel: (o.logLevel ?? 'error') as 'error',
    // tokens are timed on the simulated clock: let a console login outlast the run
    tokenTtlHours: 24 * 30,
    fallCancelWindowS: o.fallCancelWindowS,
    fallRadarFusion: o.fallRadarFusion ?? true,
    inferenceWorkers: 1,
    // A throwaway hub on synthetic people: every responder signs in from this one address, their
    // passwords are public test data (no need for the production hash cost, which would make
    // applying a district of hundreds of users take tens of seconds), and simulated time runs
    // faster than the per-device limits, which count wall-clock seconds.
    signInsPerIpPerMin: 1_000_000,
    passwordScryptN: 1024,
    deviceTelemetryPerS: 1_000_000,
    deviceEventsPerS: 1_000_000,
  };
}

/**
 * A hub started for the run (when no `--hub` is given): temp data directory, free ports,
 * the simulated clock as its `now`. In a child process by default; the child computes the
 * same clock from the state it is sent (SimClock is a function of wall time).
 */
export class LocalHub {
  http = 0;
  mqtt = 0;
  private hub: Hub | null = null;
  private child: ChildProcess | null = null;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'yiyang-sim-'));

  constructor(private readonly options: LocalHubOptions) {}

  async start(): Promise<void> {
    const settings = localHubSettings({ ...this.options, dataDir: this.dataDir });
    if (this.options.inProcess) {
      const config = loadConfig({}, settings);
      this.hub = await startHub(config, {
        logger: pino({ level: settings.logLevel }),
        now: this.options.clock.now,
        clockSpeed: this.options.clock.speed,
      });
      this.http = this.hub.addresses.http;
      this.mqtt = this.hub.addresses.mqtt;
      return;
    }
    const entry = fileURLToPath(new URL('./hub-child.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', entry, JSON.stringify({ settings, clock: this.options.clock.state() })],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    this.child = child;
    const ports = await new Promise<{ http: number; mqtt: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { http: number; mqtt: number }));
      child.once('exit', (code) => reject(new Error(`hub process exited (${code}) before it was ready`)));
    });
    this.http = ports.http;
    this.mqtt = ports.mqtt;
  }

  /** Tells a hub in a child process that the clock started or froze. */
  syncClock(): void {
    this.child?.send({ clock: this.options.clock.state() satisfies ClockState });
  }

  async stop(): Promise<void> {
    if (this.hub) await this.hub.stop();
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
