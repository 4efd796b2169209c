/**
 * The floor under any broker's cost of a message: a bare Node TCP server on core 0 that answers each
 * CONNECT with a CONNACK and throws every other byte away. What it costs a message is what reading a
 * socket costs this machine and Node (epoll, the read), before anyone looks at it. It reads the way the
 * hub's gateway does, into one buffer shared by every connection (`SharedReads`; `READ_FLOOR_STREAM=1`:
 * the usual way, a Buffer per read through the stream, ~2 µs more a read here).
 */
import { createServer } from 'node:net';
import { SharedReads } from '../../gateway/shared-reads.js';
import { freePort } from './hub-process.js';
import { sleep, spawnTsx, stopChild } from './processes.js';

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
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => undefined);
    let connected = false;
    const discard = () => {
      if (!connected) socket.write(connack);
      connected = true;
      return true;
    };
    if (process.env.READ_FLOOR_STREAM === '1' || !reads.attach(socket, discard)) socket.on('data', discard);
    else socket.resume(); // nothing reaches the stream but its end, which closes the socket
  });
  server.listen({ port: Number(process.env.READ_FLOOR_PORT), host: '127.0.0.1', backlog: 4096 }, () =>
    process.stdout.write('listening\n'),
  );
}
