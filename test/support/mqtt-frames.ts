/** Raw MQTT 3.1.1 frames (§2.2, §3.3), for tests that write straight to a socket. */

/** A frame: its first byte (type and flags), the remaining length, then the parts of its body. */
export function mqttFrame(first: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length: number[] = [];
  for (let n = body.length; ; ) {
    const byte = n % 128;
    n = Math.floor(n / 128);
    length.push(n > 0 ? byte | 0x80 : byte);
    if (n === 0) break;
  }
  return Buffer.concat([Buffer.from([first, ...length]), body]);
}

/** A length-prefixed UTF-8 string. */
export function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
}

/** A PUBLISH: QoS 0 without a packet id, QoS 1 with one. */
export function publishFrame(topic: string, payload: string, packetId?: number): Buffer {
  if (packetId === undefined) return mqttFrame(0x30, mqttString(topic), Buffer.from(payload));
  const id = Buffer.from([packetId >> 8, packetId & 0xff]);
  return mqttFrame(0x32, mqttString(topic), id, Buffer.from(payload));
}
