import { execFileSync } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './hub-process.js';
import { sleep, spawnPinned, stopChild, tempDir } from './processes.js';
import { aptInstall, canAptInstall, type MosquittoProgram, mosquittoProgram } from './programs.js';

/** The broker and the clients the bench runs (Debian's packages mosquitto and mosquitto-clients). */
const programs = ['mosquitto', 'mosquitto_sub', 'mosquitto_pub'] as const;
const variable = 'BENCH_MOSQUITTO_BIN';
const howTo =
  'as root: apt-get install mosquitto mosquitto-clients (npm run bench does it when run as root); ' +
  `or set ${variable} to the directory (or PATH-like list of directories) holding mosquitto and its clients`;

/** Where one of the bench's mosquitto programs is; a clear error naming what to do when it is nowhere. */
function program(name: MosquittoProgram): string {
  const path = mosquittoProgram(name, variable);
  if (!path) throw new Error(`${name} not found (${variable}, PATH, /usr/sbin): ${howTo}`);
  return path;
}

/** The mosquitto programs the bench runs that are nowhere to be found. */
export function missingMosquitto(): string[] {
  return programs.filter((name) => !mosquittoProgram(name, variable));
}

/**
 * Makes sure the bench can run mosquitto before anything starts: found, or installed with apt-get
 * when this is root (nothing happens when they are there); otherwise an error saying how.
 */
export function ensureMosquitto(log: (message: string) => void): void {
  if (missingMosquitto().length === 0) return;
  if (canAptInstall()) {
    log(`${missingMosquitto().join(', ')} not found`);
    aptInstall(['mosquitto', 'mosquitto-clients'], log);
  }
  const missing = missingMosquitto();
  if (missing.length > 0) throw new Error(`the bench needs ${missing.join(', ')}, not found: ${howTo}`);
}

export function mosquittoVersion(): string {
  const broker = mosquittoProgram('mosquitto', variable);
  if (!broker) return 'not found';
  try {
    // `-h` prints the version on its first line and exits with status 3.
    execFileSync(broker, ['-h'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const out = String((error as { stdout?: string }).stdout ?? '');
    return out.split('\n')[0]?.replace('mosquitto version ', '') || 'unknown';
  }
  return 'unknown';
}

export interface Mosquitto {
  pid: number;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Debian's mosquitto as the yardstick, pinned to core 0 on 127.0.0.1, with nothing dropped:
 * no limit on QoS 1 messages in flight to a subscriber, none on the queue behind them (mosquitto.conf(5)).
 */
export async function startMosquitto(options: { openFiles?: number } = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = tempDir('yiyang-mosquitto-');
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = spawnPinned(0, program('mosquitto'), ['-c', conf], {
    stdio: ['ignore', 'ignore', 2],
    openFiles: options.openFiles,
  });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error('mosquitto did not start');
    }
    await sleep(50);
  }
  return {
    pid: child.pid!,
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RelayCounter {
  pid: number;
  /** Messages received on the counted topic so far, and the wall-clock ms when the last one arrived. */
  readonly count: number;
  readonly lastAt: number;
  /** Resolves when `expected` have arrived or nothing has for `idleMs`. */
  waitFor(expected: number, idleMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A subscriber that counts what the broker relays on `topic`: mosquitto_sub (cheap C, pinned to
 * core 1) appending one byte per message to a file, whose size and modification time are the count
 * and the last arrival. (Printing each message with its time through a pipe made the counter the
 * bottleneck: 51k instead of 120k msg/s at QoS 0.) Ready once a probe published until it arrives has.
 */
export async function startRelayCounter(port: number, topic: string, qos: 0 | 1): Promise<RelayCounter> {
  const dir = tempDir('yiyang-counter-');
  const file = join(dir, 'received');
  const out = openSync(file, 'w');
  const connection = ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311'];
  const args = [...connection, '-q', String(qos), '-t', topic, '-t', 'bench/probe', '-N', '-F', '.'];
  const publish = program('mosquitto_pub');
  const child = spawnPinned(1, program('mosquitto_sub'), args, { stdio: ['ignore', out, 2] });
  closeSync(out);
  const received = () => statSync(file);
  const deadline = Date.now() + 10_000;
  while (received().size === 0) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error('mosquitto_sub did not get ready');
    }
    execFileSync(publish, [...connection, '-t', 'bench/probe', '-m', 'probe']);
    await sleep(100);
  }
  await sleep(200); // a probe still on its way
  const probes = received().size;
  const count = () => received().size - probes;
  return {
    pid: child.pid!,
    get count() {
      return count();
    },
    get lastAt() {
      return received().mtimeMs;
    },
    async waitFor(expected, idleMs) {
      let seen = -1;
      let since = Date.now();
      for (let now = count(); now < expected; now = count()) {
        if (now !== seen) [seen, since] = [now, Date.now()];
        else if (Date.now() - since > idleMs) return;
        await sleep(20);
      }
    },
    stop: () => stopChild(child),
  };
}
