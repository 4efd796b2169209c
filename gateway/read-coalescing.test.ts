import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadCoalescing, type ReadCoalescingRules } from './read-coalescing.js';
import { SharedReads } from './shared-reads.js';

const rules: ReadCoalescingRules = { napMs: 1, busyReadsPerSecond: 5_000, checkMs: 50, busyWorkMs: 1 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let coalescing: ReadCoalescing | undefined;
let server: Server | undefined;
let senders: ChildProcess | undefined;
afterEach(async () => {
  coalescing?.stop();
  senders?.kill('SIGKILL');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  [coalescing, server, senders] = [undefined, undefined, undefined];
});

/** Reads arriving at `rate` a second (set by the test), counted up to whenever they are asked for. */
function countedReads(): { set rate(perSecond: number); count: () => number } {
  const reads = { rate: 0, total: 0, at: performance.now() };
  const count = () => {
    const now = performance.now();
    reads.total += (reads.rate * (now - reads.at)) / 1000;
    reads.at = now;
    return reads.total;
  };
  return {
    set rate(perSecond: number) {
      count(); // the reads so far at the old rate
      reads.rate = perSecond;
    },
    count,
  };
}

/** Keeps the loop busy `ms` in every turn for `forMs`. */
async function busyTurns(ms: number, forMs: number): Promise<void> {
  const until = performance.now() + forMs;
  await new Promise<void>((resolve) => {
    const turn = () => {
      const end = performance.now() + ms;
      while (performance.now() < end) {}
      if (performance.now() < until) setImmediate(turn);
      else resolve();
    };
    setImmediate(turn);
  });
}

describe('read coalescing', () => {
  it('[READ-COALESCING-WHEN] waits between polls only while reads come often and the loop is light', async () => {
    const reads = countedReads();
    coalescing = new ReadCoalescing(() => reads.count(), rules);

    reads.rate = 2_000; // a few devices: a wake per read costs nothing worth saving, and nobody waits
    await sleep(300);
    expect({ waits: coalescing.waits, passed: coalescing.passed }).toEqual({ waits: 0, passed: 0 });

    reads.rate = 50_000; // many, and the loop idle between them
    await sleep(300);
    expect(coalescing.waits).toBeGreaterThan(20);

    // Many, and the loop busy 3 ms a turn: it gathers many sockets a poll on its own and never waits.
    const [waits, passed] = [coalescing.waits, coalescing.passed];
    await busyTurns(3, 300);
    expect(coalescing.waits - waits).toBeLessThanOrEqual(1); // the turn it found the loop busy in
    expect(coalescing.passed - passed).toBeGreaterThan(20);

    reads.rate = 0; // quiet again: at the next check it stops looking
    await sleep(5 * rules.checkMs);
    const settled = [coalescing.waits, coalescing.passed];
    await sleep(200);
    expect([coalescing.waits, coalescing.passed]).toEqual(settled);
  });

  it('[READ-COALESCING-GATHERS] many sockets each sending a little are read many at a wake, not one', async () => {
    const shared = new SharedReads();
    coalescing = new ReadCoalescing(() => shared.count, rules);
    // A wake is a poll that read something: its reads run back to back, and the check phase follows.
    let [readCount, wakes, inWake] = [0, 0, false];
    const counted = () => {
      readCount++;
      if (!inWake) {
        inWake = true;
        wakes++;
        setImmediate(() => {
          inWake = false;
        });
      }
      return true;
    };
    server = createServer((socket) => {
      socket.on('error', () => undefined);
      if (!shared.attach(socket, { read: counted })) socket.on('data', counted);
      else socket.resume();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // 200 sockets in another process, each writing 100 bytes every 20 ms, evenly spread: 10,000 reads a second.
    senders = spawn(process.execPath, ['-e', sendersScript, String(port)], { stdio: ['ignore', 'pipe', 2] });
    const finished = new Promise<void>((resolve) => senders!.once('exit', () => resolve()));
    await new Promise<void>((resolve) => senders!.stdout!.once('data', () => resolve()));
    await sleep(300); // the read rate seen, the waits begun
    const [reads0, wakes0] = [readCount, wakes];
    await finished;
    const [read, woke] = [readCount - reads0, wakes - wakes0];

    expect(read).toBeGreaterThan(5_000);
    expect(coalescing.waits).toBeGreaterThan(100);
    // Without the waits, on an idle machine: 1–2 reads a wake. A wait of 1 ms gathers ~10.
    expect(read / woke).toBeGreaterThanOrEqual(4);
  });
});

/**
 * The senders: 200 sockets to argv[1]; says "ready", then writes 100 bytes every 100 µs for 1.5 s (10,000
 * reads a second), each time to the next socket, spaced by a busy loop (timers would bunch them by the
 * millisecond, and the server would read ten at a wake without any waiting of its own); then exits.
 */
const sendersScript = `
const net = require('node:net');
const port = Number(process.argv[1]);
const sockets = [];
let open = 0;
for (let i = 0; i < 200; i++) {
  const s = net.connect(port, '127.0.0.1', () => {
    if (++open === 200) setTimeout(send, 100);
  });
  s.setNoDelay(true);
  s.on('error', () => process.exit(3));
  sockets.push(s);
}
function send() {
  process.stdout.write('ready\\n');
  const chunk = Buffer.alloc(100, 1);
  const start = performance.now();
  let sent = 0;
  for (let now = start; now < start + 1500; now = performance.now()) {
    while (start + sent * 0.1 <= now) sockets[sent++ % 200].write(chunk);
  }
  process.exit(0);
}
setTimeout(() => process.exit(4), 10_000);
`;
