import type { Duplex } from 'node:stream';

/**
 * Watches the MQTT fixed headers on a connection and cuts it as soon as a
 * packet announces more than `limit` bytes, before the broker buffers it:
 * memory per connection stays bounded whatever a device sends.
 * It only reads the bytes the broker reads (a `data` tap), it never changes them.
 */
export function guardPacketSize(stream: Duplex, limit: number, onTooLarge: (bytes: number) => void): void {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let remaining = 0;
  stream.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const skip = Math.min(remaining, chunk.length - i);
        remaining -= skip;
        i += skip;
        if (remaining === 0) state = 'type';
      } else if (state === 'type') {
        i++;
        state = 'length';
        length = 0;
        multiplier = 1;
      } else {
        const byte = chunk[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if (byte & 0x80) continue;
        if (length > limit) {
          onTooLarge(length);
          stream.destroy();
          return;
        }
        remaining = length;
        state = remaining === 0 ? 'type' : 'body';
      }
    }
  });
}
