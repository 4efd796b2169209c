import type { Duplex } from 'node:stream';

/**
 * Offered each whole MQTT frame read from a connection, before the broker parses it: `start` is its first
 * byte, `body` the first byte after its fixed header, `end` one past its last. True takes the frame away
 * from the broker.
 */
export type FrameTap = (bytes: Buffer, start: number, body: number, end: number) => boolean;

/**
 * Sits between a connection and the broker, where the bytes read enter the stream (`push`, called by the
 * socket, TLS or WebSocket as data arrives): cuts them into MQTT frames by their fixed headers, offers each
 * whole frame to `tap`, and passes on to the broker the frames the tap left, whole (a frame split across
 * reads is held until complete). Bytes that were all taken are never buffered and wake nobody: no
 * 'readable', no parse. A frame announcing more than `maxFrameBytes` cuts the connection before anything
 * of it is buffered. Per frame it costs a few comparisons; it copies only to join a split frame, or what
 * is left between frames taken.
 */
export function splitFrames(
  stream: Duplex,
  deps: { maxFrameBytes: number; onTooLarge: (bytes: number) => void; tap: FrameTap },
): void {
  const push = stream.push.bind(stream);
  let held: Buffer[] = [];
  let heldBytes = 0;
  /** Length of the frame being held, once its fixed header is complete (0: not yet known). */
  let needed = 0;
  /** The stretches between frames taken, reused from read to read. */
  const kept: Buffer[] = [];
  const split = (chunk: Buffer): Buffer | null => {
    if (heldBytes > 0 && heldBytes + chunk.length < needed) {
      held.push(chunk);
      heldBytes += chunk.length;
      return null;
    }
    let bytes = chunk;
    if (heldBytes > 0) {
      bytes = Buffer.concat([...held, chunk]);
      held = [];
      heldBytes = 0;
    }
    needed = 0;
    kept.length = 0;
    let keptFrom = 0;
    let at = 0;
    while (at < bytes.length) {
      const header = fixedHeader(bytes, at);
      if (header === MALFORMED) {
        // The broker answers a malformed header (it closes the connection): the rest goes to it as it is.
        at = bytes.length;
        break;
      }
      if (header === INCOMPLETE) {
        hold(bytes.subarray(at), 0);
        break;
      }
      const bodyLength = Math.floor(header / 8);
      if (bodyLength > deps.maxFrameBytes) {
        deps.onTooLarge(bodyLength);
        stream.destroy();
        return null;
      }
      const body = at + (header % 8);
      const end = body + bodyLength;
      if (end > bytes.length) {
        hold(bytes.subarray(at), end - at);
        break;
      }
      if (deps.tap(bytes, at, body, end)) {
        if (at > keptFrom) kept.push(bytes.subarray(keptFrom, at));
        keptFrom = end;
      }
      at = end;
    }
    if (keptFrom === 0 && at === bytes.length) return bytes;
    if (at > keptFrom) kept.push(bytes.subarray(keptFrom, at));
    if (kept.length === 0) return null;
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  };
  const hold = (rest: Buffer, frameLength: number) => {
    held = [rest];
    heldBytes = rest.length;
    needed = frameLength;
  };
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (!Buffer.isBuffer(chunk)) return push(chunk, encoding); // the end of the stream
    const rest = split(chunk);
    // Nothing left for the broker: the stream keeps reading as long as its buffer has room.
    return rest === null ? stream.readableLength < stream.readableHighWaterMark : push(rest);
  };
}

const INCOMPLETE = -1;
const MALFORMED = -2;

/**
 * The fixed header of the frame at `at`, as one number so that nothing is allocated per frame: its body's
 * length × 8 + the header's own length (2–5 bytes); INCOMPLETE or MALFORMED.
 */
function fixedHeader(bytes: Buffer, at: number): number {
  let length = 0;
  let multiplier = 1;
  for (let i = at + 1; i < at + 5; i++) {
    if (i >= bytes.length) return INCOMPLETE;
    const byte = bytes[i]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return length * 8 + (i + 1 - at);
    multiplier *= 128;
  }
  return MALFORMED;
}
