/**
 * The floor under any broker's cost of a message: a bare Node TCP server on core 0 that answers each
 * CONNECT with a CONNACK and throws every other byte away. What it costs a message is what reading a
 * socket costs this machine and Node (epoll, the read), before anyone looks at it. It reads the way the
 * hub's gateway does, into one buffer shared by every connection (`SharedReads`; `READ_FLOOR_STREAM=1`:
 * the usual way, a Buffer per read through the stream, ~2 µs more a read here), waiting 1 ms between
 * polls while it reads often and has little to do (`ReadCoalescing`; `READ_FLOOR_WAIT_MS=0`: never).
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ReadCoalescing, readCoalescing } from '../../gateway/read-coalescing.js';
import { SharedReads } from '../../gateway/shared-reads.js';
import { freePort } from './hub-process.js';
import { repoRoot, sleep, spawnPinned, spawnTsx, stopChild, tempDir } from './processes.js';

export interface ReadFloor {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

/** Started from the bench: this file run as a process (`READ_FLOOR_PORT` set). */
export async function startReadFloor(options: { openFiles?: number } = {}): Promise<ReadFloor> {
  const port = await freePort();
  const child = spawnTsx(0, 'bench/lib/read-floor.ts', {
    env: { ...process.env, READ_FLOOR_PORT: String(port) },
    stdio: ['ignore', 'pipe', 2],
    openFiles: options.openFiles,
  });
  return await listening(child, port);
}

/**
 * The same floor without Node (`read-floor.c`, built with the machine's C compiler into a temp dir), on
 * core 0: what the kernel alone takes to read a message here. Undefined when there is no C compiler.
 */
export async function startNativeReadFloor(
  options: { openFiles?: number } = {},
): Promise<ReadFloor | undefined> {
  const binary = join(tempDir('yiyang-read-floor-'), 'read-floor');
  try {
    execFileSync('cc', ['-O2', '-o', binary, join(repoRoot, 'bench/lib/read-floor.c')], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const port = await freePort();
  const { napMs, busyReadsPerSecond, checkMs, busyWorkMs } = readCoalescing;
  const rules = [napMs, busyReadsPerSecond, checkMs, busyWorkMs].map(String);
  const child = spawnPinned(0, binary, [String(port), ...rules], {
    stdio: ['ignore', 'pipe', 2],
    openFiles: options.openFiles,
  });
  return await listening(child, port);
}

async function listening(child: ChildProcess, port: number): Promise<ReadFloor> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => reject(new Error('the read floor server exited')));
  });
  await sleep(100);
  return { pid: child.pid!, url: `mqtt://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

if (process.env.READ_FLOOR_PORT) {
  const connack = Buffer.from([0x20, 2, 0, 0]);
  const reads = new SharedReads();
  const waitMs = Number(process.env.READ_FLOOR_WAIT_MS ?? readCoalescing.napMs);
  if (waitMs > 0) new ReadCoalescing(() => reads.count, { ...readCoalescing, napMs: waitMs });
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    let connected = false;
    const discard = () => {
      if (!connected) socket.write(connack);
      connected = true;
      return true;
    };
    if (process.env.READ_FLOOR_STREAM === '1' || !reads.attach(socket, { read: discard }))
      socket.on('data', discard);
    else socket.resume(); // nothing reaches the stream but its end, which closes the socket
  });
  server.listen({ port: Number(process.env.READ_FLOOR_PORT), host: '127.0.0.1', backlog: 4096 }, () =>
    process.stdout.write('listening\n'),
  );
}
