import type { Duplex } from 'node:stream';
import type { SharedReader, SharedReads } from './shared-reads.js';

/**
 * Offered each whole MQTT frame read from a connection, before the broker parses it: `start` is its first
 * byte, `body` the first byte after its fixed header, `end` one past its last. True takes the frame away
 * from the broker.
 */
export interface FrameTap {
  take(bytes: Buffer, start: number, body: number, end: number): boolean;
}

/**
 * Sits between a connection and the broker, where the bytes read enter the stream: cuts them into MQTT
 * frames by their fixed headers, offers each whole frame to `tap`, and passes on to the broker the frames
 * the tap left, whole (a frame split across reads is held until complete). Bytes that were all taken are
 * never buffered and wake nobody: no 'readable', no parse. A frame announcing more than `maxFrameBytes`
 * cuts the connection before anything of it is buffered. Per frame it costs a few comparisons.
 *
 * A plain TCP socket is read into one buffer shared by every connection (`reads`, `SharedReads`):
 * nothing is allocated per read, and what is kept (a split frame, frames for the broker) is copied out
 * before the next read. Any other stream (TLS, WebSocket) is taken where its bytes enter it (`push`), and
 * copies only to join a split frame, or what is left between frames taken.
 */
export function splitFrames(
  stream: Duplex,
  deps: { maxFrameBytes: number; onTooLarge: (bytes: number) => void; tap: FrameTap; reads: SharedReads },
): void {
  const frames = new FrameCutter(stream, deps.maxFrameBytes, deps.tap, (bytes) => {
    deps.onTooLarge(bytes);
    stream.destroy();
  });
  if (deps.reads.attach(stream, frames)) return;
  const push = frames.push;
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (!Buffer.isBuffer(chunk)) return push(chunk, encoding); // the end of the stream
    return frames.pass(frames.cut(chunk, chunk.length, false));
  };
}

/**
 * One connection's bytes cut into frames, and the start of a frame split across reads, held. A read touches
 * this object, the tap's and the shared buffer, and no other of the connection's (per read, each one more is
 * a load that misses the cache, with thousands of connections).
 */
class FrameCutter implements SharedReader {
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Length of the frame being held, once its fixed header is complete (0: not yet known). */
  private needed = 0;
  /** The stretches of one read between frames taken; emptied once they are given back. */
  private readonly kept: Buffer[] = [];
  /** The stream's own `push`, which hands bytes to the broker. */
  readonly push: Duplex['push'];

  constructor(
    stream: Duplex,
    private readonly maxFrameBytes: number,
    private readonly tap: FrameTap,
    private readonly tooLarge: (bytes: number) => void,
  ) {
    this.push = stream.push.bind(stream);
  }

  /** A read into the shared buffer. */
  read(length: number, bytes: Buffer): boolean {
    return this.pass(this.cut(bytes, length, true));
  }

  /**
   * Gives the broker what is left of a read. Nothing left: reading goes on. Reads happen only while the
   * stream's buffer has room (a push that filled it said so, and reading stopped until the broker read),
   * and nothing was added.
   */
  pass(rest: Buffer | null): boolean {
    return rest === null || this.push(rest);
  }

  /**
   * Cuts `bytes[0, length)`: taps each whole frame and returns what is left for the broker (null: nothing).
   * `shared`: the bytes are overwritten by the next read, so whatever outlives this call is copied.
   */
  cut(bytes: Buffer, length: number, shared: boolean): Buffer | null {
    if (this.heldBytes > 0) {
      if (this.heldBytes + length < this.needed) {
        this.held.push(shared ? copyOf(bytes, 0, length) : bytes);
        this.heldBytes += length;
        return null;
      }
      // Joined into a buffer of its own: nothing of it is shared any more.
      bytes = Buffer.concat([...this.held, bytes.subarray(0, length)]);
      length = bytes.length;
      shared = false;
      this.held = [];
      this.heldBytes = 0;
    }
    this.needed = 0;
    // Stretches this read keeps for the broker, in `kept` (empty between reads; untouched by a read that
    // keeps nothing).
    let keeping = 0;
    let keptFrom = 0;
    let at = 0;
    while (at < length) {
      const header = fixedHeader(bytes, at, length);
      if (header === MALFORMED) {
        // The broker answers a malformed header (it closes the connection): the rest goes to it as it is.
        at = length;
        break;
      }
      if (header === INCOMPLETE) {
        this.hold(bytes, at, length, 0, shared);
        break;
      }
      const bodyLength = Math.floor(header / 8);
      if (bodyLength > this.maxFrameBytes) {
        if (keeping > 0) this.kept.length = 0;
        this.tooLarge(bodyLength);
        return null;
      }
      const body = at + (header % 8);
      const end = body + bodyLength;
      if (end > length) {
        this.hold(bytes, at, length, end - at, shared);
        break;
      }
      if (this.tap.take(bytes, at, body, end)) {
        if (at > keptFrom) keeping = this.kept.push(bytes.subarray(keptFrom, at));
        keptFrom = end;
      }
      at = end;
    }
    if (keptFrom === 0 && at === length) return shared ? copyOf(bytes, 0, length) : bytes;
    if (at > keptFrom) keeping = this.kept.push(bytes.subarray(keptFrom, at));
    if (keeping === 0) return null;
    const kept = this.kept;
    const rest = keeping > 1 ? Buffer.concat(kept) : shared ? copyOf(kept[0]!, 0, kept[0]!.length) : kept[0]!;
    kept.length = 0; // holds no read's bytes past it (a TLS or WebSocket chunk would be kept alive)
    return rest;
  }

  private hold(bytes: Buffer, from: number, to: number, frameLength: number, shared: boolean): void {
    this.held = [shared ? copyOf(bytes, from, to) : bytes.subarray(from, to)];
    this.heldBytes = to - from;
    this.needed = frameLength;
  }
}

function copyOf(bytes: Buffer, from: number, to: number): Buffer {
  const copy = Buffer.allocUnsafe(to - from);
  bytes.copy(copy, 0, from, to);
  return copy;
}

const INCOMPLETE = -1;
const MALFORMED = -2;

/**
 * The fixed header of the frame at `at`, as one number so that nothing is allocated per frame: its body's
 * length × 8 + the header's own length (2–5 bytes); INCOMPLETE or MALFORMED.
 */
function fixedHeader(bytes: Buffer, at: number, end: number): number {
  let length = 0;
  let multiplier = 1;
  for (let i = at + 1; i < at + 5; i++) {
    if (i >= end) return INCOMPLETE;
    const byte = bytes[i]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return length * 8 + (i + 1 - at);
    multiplier *= 128;
  }
  return MALFORMED;
}
