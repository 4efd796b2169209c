import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';

/** A buffer to share between connections: as large as one read of libuv's (64 KiB). */
export function sharedReadBuffer(): Buffer {
  return Buffer.allocUnsafeSlow(64 * 1024);
}

/** Where a shared buffer's reads go: its first `length` bytes, valid until the call returns. False: stop reading. */
export type SharedRead = (length: number, bytes: Buffer) => boolean;

/**
 * Node's `onread` (libuv reads into a buffer of ours, handed to a callback) for a socket a server accepted:
 * Node offers it only to sockets it connects, so it is set the way Node's own `new Socket({ onread })` sets
 * it, by the socket's `kBuffer`/`kBufferCb` slots and its handle's `useUserBuffer`. Each read then
 * allocates nothing (no 64 KB slab, no ArrayBuffer, no Buffer: ~2 µs of the ~11 µs a read costs here, the
 * kernel's ~5 µs untouched, and the scavenges they caused). `buffer` may serve every connection: reads
 * run one at a time, and `onRead` uses or copies the bytes before it returns.
 *
 * Only plain TCP (TLS decrypts into buffers of its own; a WebSocket is no socket). False where this Node
 * does not have those slots: the caller reads the usual way (the gateway's tests check that it does here).
 */
export function readIntoShared(stream: Duplex, buffer: Buffer, onRead: SharedRead): boolean {
  if (!(stream instanceof Socket) || stream instanceof TLSSocket) return false;
  const handle = (stream as unknown as { _handle?: { useUserBuffer?: unknown } })._handle;
  const slots = stream as unknown as Record<symbol, unknown>;
  const symbols = Object.getOwnPropertySymbols(stream);
  const kBuffer = symbols.find((s) => s.description === 'kBuffer');
  const kBufferCb = symbols.find((s) => s.description === 'kBufferCb');
  if (!handle || typeof handle.useUserBuffer !== 'function' || !kBuffer || !kBufferCb) return false;
  if (slots[kBuffer] !== null || slots[kBufferCb] !== null) return false; // someone else's reads already
  slots[kBuffer] = buffer;
  slots[kBufferCb] = onRead;
  (handle.useUserBuffer as (b: Uint8Array) => void).call(handle, buffer);
  return true;
}
