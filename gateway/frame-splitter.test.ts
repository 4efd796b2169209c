import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mqttFrame as frame, publishFrame } from '../test/support/mqtt-frames.js';
import { until } from '../test/support/wait.js';
import { splitFrames } from './frame-splitter.js';
import { SharedReads } from './shared-reads.js';

/** A connection whose reads go through the splitter; what a reader (the broker) gets back, and what was taken. */
function connection(maxFrameBytes = 1 << 20) {
  const stream = new PassThrough();
  const taken: Buffer[] = [];
  const tooLarge: number[] = [];
  splitFrames(stream, {
    maxFrameBytes,
    reads: new SharedReads(),
    onTooLarge: (bytes) => tooLarge.push(bytes),
    // Takes every QoS 0 PUBLISH to a topic ending in /telemetry.
    tap: {
      take: (bytes, start, body, end) => {
        if (bytes[start] !== 0x30) return false;
        const frame = bytes.subarray(body, end);
        const topic = frame.subarray(2, 2 + frame.readUInt16BE(0)).toString();
        if (!topic.endsWith('/telemetry')) return false;
        taken.push(Buffer.from(frame));
        return true;
      },
    },
  });
  const passed: Buffer[] = [];
  const feed = (bytes: Buffer) => {
    stream.write(bytes);
    const out = stream.read() as Buffer | null;
    if (out) passed.push(out);
  };
  return { stream, feed, passed, taken, tooLarge };
}

describe('frame splitter', () => {
  it('[MQTT-FRAMES] telemetry frames are taken out, every other frame reaches the broker whole and in order, however the bytes are cut', () => {
    const big = 'x'.repeat(300); // a two-byte remaining length
    const frames = [
      frame(0xc0, Buffer.alloc(0)), // PINGREQ
      publishFrame('care/w-1/telemetry', '{"a":1}'),
      publishFrame('care/w-1/event', '{"type":"sos"}'),
      publishFrame('care/w-1/telemetry', big),
      publishFrame('care/w-1/telemetry', '{"a":3}'),
      publishFrame('care/w-1/availability', '{"state":"online"}'),
    ];
    const bytes = Buffer.concat(frames);
    for (const cut of [1, 2, 3, 7, 64, bytes.length]) {
      const c = connection();
      for (let at = 0; at < bytes.length; at += cut) c.feed(bytes.subarray(at, at + cut));
      expect(Buffer.concat(c.passed)).toEqual(Buffer.concat([frames[0]!, frames[2]!, frames[5]!]));
      expect(c.taken.map((f) => f.subarray(2 + 18).toString())).toEqual(['{"a":1}', big, '{"a":3}']);
    }
  });

  it('[MQTT-FRAME-LIMIT] a frame announcing more than the limit cuts the connection before its body is read', () => {
    const c = connection(1000);
    c.feed(Buffer.concat([publishFrame('care/w-1/event', '{}'), Buffer.from([0x30, 0xe9, 0x07])])); // 1001 bytes
    expect(c.tooLarge).toEqual([1001]);
    expect(c.stream.destroyed).toBe(true);
    expect(c.passed).toEqual([]);
  });

  it("[MQTT-SHARED-READS] TCP connections read into one shared buffer keep each one's split frames and broker bytes intact while others are read in between", async () => {
    const reads = new SharedReads();
    const accepted: Socket[] = [];
    const passed = new Map<Socket, Buffer[]>();
    const taken: string[] = [];
    let tappedShared = 0;
    const server = createServer((socket) => {
      passed.set(socket, []);
      splitFrames(socket, {
        maxFrameBytes: 1 << 20,
        onTooLarge: () => undefined,
        reads,
        tap: {
          take: (bytes, start, body, end) => {
            if (bytes.buffer === reads.buffer.buffer) tappedShared++;
            if (bytes[start] !== 0x30) return false;
            const topicLength = bytes.readUInt16BE(body);
            taken.push(bytes.subarray(body + 2 + topicLength, end).toString());
            return true;
          },
        },
      });
      socket.on('data', (chunk: Buffer) => passed.get(socket)!.push(chunk));
      accepted.push(socket);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const clients: Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = connect(port, '127.0.0.1');
        await once(client, 'connect');
        clients.push(client);
        const acceptedNow = await until(
          async () => accepted.length,
          (n) => n > i,
          5_000,
        );
        if (acceptedNow <= i) throw new Error(`connection ${i + 1} was not accepted within 5 s`);
      }
      const [a, b] = clients as [Socket, Socket];
      const eventA = publishFrame('care/w-a/event', `{"type":"sos","note":"${'a'.repeat(2000)}"}`, 7);
      const eventB = publishFrame('care/w-b/event', `{"type":"fall","note":"${'b'.repeat(3000)}"}`, 9);
      const ping = Buffer.from([0xc0, 0]);
      const settle = () => new Promise((r) => setTimeout(r, 30));
      // A read left whole to the broker, one left beside a frame taken: both read over by later reads.
      a.write(ping);
      await settle();
      b.write(Buffer.concat([publishFrame('care/w-b/telemetry', '{"n":0}'), ping]));
      await settle();
      // A's event cut in three, B's bytes (telemetry taken, an event left) read in between each part.
      a.write(eventA.subarray(0, 1));
      await settle();
      b.write(Buffer.concat([publishFrame('care/w-b/telemetry', '{"n":1}'), eventB.subarray(0, 100)]));
      await settle();
      a.write(eventA.subarray(1, 1500));
      await settle();
      b.write(Buffer.concat([eventB.subarray(100), publishFrame('care/w-b/telemetry', '{"n":2}')]));
      await settle();
      a.write(Buffer.concat([eventA.subarray(1500), publishFrame('care/w-a/telemetry', '{"n":3}')]));
      const deadline = Date.now() + 5_000;
      const bytesOf = (socket: Socket) => Buffer.concat(passed.get(socket)!);
      while (
        bytesOf(accepted[0]!).length < 2 + eventA.length ||
        bytesOf(accepted[1]!).length < 2 + eventB.length
      ) {
        if (Date.now() > deadline) throw new Error('the broker side did not get both events within 5 s');
        await settle();
      }
      expect(bytesOf(accepted[0]!)).toEqual(Buffer.concat([ping, eventA]));
      expect(bytesOf(accepted[1]!)).toEqual(Buffer.concat([ping, eventB]));
      expect(taken).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
      expect(tappedShared).toBeGreaterThan(0);
    } finally {
      for (const c of clients) c.destroy();
      server.close();
    }
  });
});
