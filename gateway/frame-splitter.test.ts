import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { mqttFrame as frame, publishFrame } from '../test/support/mqtt-frames.js';
import { splitFrames } from './frame-splitter.js';

/** A connection whose reads go through the splitter; what a reader (the broker) gets back, and what was taken. */
function connection(maxFrameBytes = 1 << 20) {
  const stream = new PassThrough();
  const taken: Buffer[] = [];
  const tooLarge: number[] = [];
  splitFrames(stream, {
    maxFrameBytes,
    onTooLarge: (bytes) => tooLarge.push(bytes),
    // Takes every QoS 0 PUBLISH to a topic ending in /telemetry.
    tap: (bytes, start, body, end) => {
      if (bytes[start] !== 0x30) return false;
      const frame = bytes.subarray(body, end);
      const topic = frame.subarray(2, 2 + frame.readUInt16BE(0)).toString();
      if (!topic.endsWith('/telemetry')) return false;
      taken.push(Buffer.from(frame));
      return true;
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
});
