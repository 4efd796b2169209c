import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/** Where a connection's reads go: the shared buffer's first `length` bytes, valid until the call returns. */
export interface SharedReader {
  /** False: stop reading. */
  read(length: number, bytes: Buffer): boolean;
}

/** A socket's slots for Node's `onread`: the buffer libuv reads into, and the callback each read goes to. */
interface ReadSlots {
  kBuffer: symbol;
  kBufferCb: symbol;
}

/**
 * Node's `onread` (libuv reads into a buffer of ours, handed to a callback) for sockets a server accepted,
 * all into `buffer`, one buffer as large as one read of libuv's (64 KiB): reads run one at a time, and each
 * connection's reader uses or copies the bytes before it returns. Each read then allocates nothing (no
 * 64 KB slab, no ArrayBuffer, no Buffer: ~2 µs of the ~11 µs a read costs here, the kernel's ~5 µs
 * untouched, and the scavenges they caused).
 *
 * Node offers `onread` only to sockets it connects, so it is set the way Node's own `new Socket({ onread })`
 * sets it, by the socket's `kBuffer`/`kBufferCb` slots and its handle's `useUserBuffer`; the slots are
 * found on the first socket and kept. Only plain TCP (TLS decrypts into buffers of its own; a WebSocket is
 * no socket).
 */
export class SharedReads {
  readonly buffer = Buffer.allocUnsafeSlow(64 * 1024);
  /** Reads so far, every connection together (`ReadCoalescing` watches how often the loop reads). */
  count = 0;
  /** Undefined until the first socket shows them; null where this Node has none. */
  private slots: ReadSlots | null | undefined;
  /**
   * Every connection's `kBufferCb`, one function: Node calls it on the socket, which holds its reader. A
   * closure per connection would be two more objects to load per read, from 15,000 that no cache holds.
   */
  private readonly onRead = readerCall(this);

  /**
   * Reads `stream` into the shared buffer from now on. False where it cannot (not plain TCP, or this Node
   * has no such slots): the caller reads the usual way (the gateway's tests check that it does here).
   */
  attach(stream: Duplex, reader: SharedReader): boolean {
    if (!(stream instanceof Socket) || stream instanceof TLSSocket) return false;
    const handle = (stream as unknown as { _handle?: { useUserBuffer?: unknown } })._handle;
    if (!handle || typeof handle.useUserBuffer !== 'function') return false;
    if (this.slots === undefined) this.slots = readSlots(stream);
    if (this.slots === null) return false;
    const slots = stream as unknown as Record<symbol, unknown>;
    const { kBuffer, kBufferCb } = this.slots;
    if (slots[kBuffer] !== null || slots[kBufferCb] !== null) return false; // someone else's reads already
    slots[kBuffer] = this.buffer;
    slots[kReader] = reader;
    slots[kBufferCb] = this.onRead;
    (handle.useUserBuffer as (b: Uint8Array) => void).call(handle, this.buffer);
    return true;
  }
}

/** Where a socket keeps its reader. */
const kReader = Symbol('yiyang.sharedReader');

/** Node's `kBufferCb` for every socket of `reads`: Node calls it as a method of the socket read. */
function readerCall(reads: SharedReads) {
  return function (this: Record<symbol, SharedReader>, length: number, bytes: Buffer): boolean {
    reads.count++;
    return this[kReader]!.read(length, bytes);
  };
}

function readSlots(socket: Socket): ReadSlots | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const kBuffer = symbols.find((s) => s.description === 'kBuffer');
  const kBufferCb = symbols.find((s) => s.description === 'kBufferCb');
  return kBuffer && kBufferCb ? { kBuffer, kBufferCb } : null;
}
