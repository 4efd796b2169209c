import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './hub-process.js';
import { sleep, spawnPinned, stopChild } from './processes.js';

export const mosquittoBinary = '/usr/sbin/mosquitto';

export function mosquittoVersion(): string {
  try {
    // `-h` prints the version on its first line and exits with status 3.
    execFileSync(mosquittoBinary, ['-h'], { encoding: 'utf8', stdio: 'pipe' });
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
export async function startMosquitto(): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'yiyang-mosquitto-'));
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
  const child = spawnPinned(0, mosquittoBinary, ['-c', conf], { stdio: ['ignore', 'ignore', 2] });
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
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
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
  /** Messages received on the counted topics so far, and the wall-clock ms of the last one. */
  readonly count: number;
  readonly lastAt: number;
  /** Resolves when `expected` have arrived or nothing has for `idleMs`. */
  waitFor(expected: number, idleMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A subscriber (mosquitto_sub, cheap C, pinned to core 1) that counts what the broker relays on
 * `topic` and stamps each receipt. Ready once a probe message published until it shows up has come through.
 */
export async function startRelayCounter(port: number, topic: string, qos: 0 | 1): Promise<RelayCounter> {
  const probeTopic = 'bench/probe';
  const args = ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-q', String(qos), '-F', '%t %U'];
  const child = spawnPinned(1, 'mosquitto_sub', [...args, '-t', topic, '-t', probeTopic], {
    stdio: ['ignore', 'pipe', 2],
  });
  let count = 0;
  let lastAt = 0;
  let ready = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const space = line.indexOf(' ');
    if (line.slice(0, space) === probeTopic) {
      ready = true;
      return;
    }
    count++;
    lastAt = Number(line.slice(space + 1)) * 1000;
  });
  const deadline = Date.now() + 10_000;
  while (!ready) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      throw new Error('mosquitto_sub did not get ready');
    }
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', probeTopic, '-m', 'probe']);
    await sleep(100);
  }
  return {
    pid: child.pid!,
    get count() {
      return count;
    },
    get lastAt() {
      return lastAt;
    },
    async waitFor(expected, idleMs) {
      let seen = -1;
      let since = Date.now();
      while (count < expected) {
        if (count !== seen) [seen, since] = [count, Date.now()];
        else if (Date.now() - since > idleMs) return;
        await sleep(50);
      }
    },
    stop: () => stopChild(child),
  };
}
