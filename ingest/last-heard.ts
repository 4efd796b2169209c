/**
 * When each device was last heard, by a small integer slot per device: written for every telemetry
 * message (a shed one included) with no allocation and no channel publish, read by device health on
 * its tick. A slot is given once per device id and kept for the life of the hub.
 */
export interface HeardDevice {
  id: string;
  type: string;
}

export class LastHeard {
  private readonly slots = new Map<string, number>();
  private readonly devices: HeardDevice[] = [];
  private at = new Float64Array(1024);

  /** The device's slot, given on first use (once per connection, not per message). */
  slotOf(device: HeardDevice): number {
    let slot = this.slots.get(device.id);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(device.id, slot);
      this.devices.push({ id: device.id, type: device.type });
      if (slot >= this.at.length) {
        const grown = new Float64Array(this.at.length * 2);
        grown.set(this.at);
        this.at = grown;
      }
    }
    return slot;
  }

  /** How many slots have been given (every typed array indexed by slot needs at least this length). */
  get size(): number {
    return this.slots.size;
  }

  heard(slot: number, at: number): void {
    this.at[slot] = at;
  }

  /** Which device has `slot`. */
  device(slot: number): HeardDevice {
    return this.devices[slot]!;
  }

  /** When the device in `slot` was last heard on the hub's clock; 0 if never since start. */
  when(slot: number): number {
    return this.at[slot] ?? 0;
  }
}
