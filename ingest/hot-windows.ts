import type { Reading } from './readings.js';

/**
 * The recent past of each device, for the detectors, in fixed typed arrays: nothing
 * is allocated per sample and memory per device has a hard bound (`bytesPerDevice`).
 *
 * - acceleration: the last `accelSamples` raw samples (time, x, y, z in g) — 512 covers
 *   20 s at 25 Hz or 10 s at 50 Hz;
 * - vitals: the last `vitalSamples` readings of heart rate, SpO2 and breathing rate
 *   (NaN where a reading did not carry the value).
 */
export class DeviceWindow {
  readonly accelT: Float64Array;
  readonly accelX: Float32Array;
  readonly accelY: Float32Array;
  readonly accelZ: Float32Array;
  accelCount = 0;
  readonly vitalT: Float64Array;
  readonly heartRate: Float32Array;
  readonly spo2: Float32Array;
  readonly breathingRate: Float32Array;
  vitalCount = 0;

  constructor(
    readonly accelSamples: number,
    readonly vitalSamples: number,
  ) {
    this.accelT = new Float64Array(accelSamples);
    this.accelX = new Float32Array(accelSamples);
    this.accelY = new Float32Array(accelSamples);
    this.accelZ = new Float32Array(accelSamples);
    this.vitalT = new Float64Array(vitalSamples);
    this.heartRate = new Float32Array(vitalSamples);
    this.spo2 = new Float32Array(vitalSamples);
    this.breathingRate = new Float32Array(vitalSamples);
  }

  static bytes(accelSamples: number, vitalSamples: number): number {
    return accelSamples * (8 + 3 * 4) + vitalSamples * (8 + 3 * 4);
  }

  pushAccel(t: number, x: number, y: number, z: number): void {
    const i = this.accelCount % this.accelSamples;
    this.accelT[i] = t;
    this.accelX[i] = x;
    this.accelY[i] = y;
    this.accelZ[i] = z;
    this.accelCount++;
  }

  pushVitals(t: number, heartRate: number, spo2: number, breathingRate: number): void {
    const i = this.vitalCount % this.vitalSamples;
    this.vitalT[i] = t;
    this.heartRate[i] = heartRate;
    this.spo2[i] = spo2;
    this.breathingRate[i] = breathingRate;
    this.vitalCount++;
  }

  /** The kept acceleration, oldest first (a copy: e.g. to rebuild a detector's state). */
  accel(): { t: Float64Array; x: Float32Array; y: Float32Array; z: Float32Array } {
    const n = Math.min(this.accelCount, this.accelSamples);
    const start = this.accelCount - n;
    const out = {
      t: new Float64Array(n),
      x: new Float32Array(n),
      y: new Float32Array(n),
      z: new Float32Array(n),
    };
    for (let k = 0; k < n; k++) {
      const i = (start + k) % this.accelSamples;
      out.t[k] = this.accelT[i]!;
      out.x[k] = this.accelX[i]!;
      out.y[k] = this.accelY[i]!;
      out.z[k] = this.accelZ[i]!;
    }
    return out;
  }

  /** The kept vitals, oldest first. */
  vitals(): { t: Float64Array; heartRate: Float32Array; spo2: Float32Array; breathingRate: Float32Array } {
    const n = Math.min(this.vitalCount, this.vitalSamples);
    const start = this.vitalCount - n;
    const out = {
      t: new Float64Array(n),
      heartRate: new Float32Array(n),
      spo2: new Float32Array(n),
      breathingRate: new Float32Array(n),
    };
    for (let k = 0; k < n; k++) {
      const i = (start + k) % this.vitalSamples;
      out.t[k] = this.vitalT[i]!;
      out.heartRate[k] = this.heartRate[i]!;
      out.spo2[k] = this.spo2[i]!;
      out.breathingRate[k] = this.breathingRate[i]!;
    }
    return out;
  }
}

interface AccelPayload {
  hz: number;
  x: number[];
  y: number[];
  z: number[];
}

export class HotWindows {
  private readonly windows = new Map<string, DeviceWindow>();
  readonly bytesPerDevice: number;

  constructor(
    private readonly sizes: { accelSamples: number; vitalSamples: number } = {
      accelSamples: 512,
      vitalSamples: 128,
    },
  ) {
    this.bytesPerDevice = DeviceWindow.bytes(sizes.accelSamples, sizes.vitalSamples);
  }

  add(reading: Reading): void {
    const data = reading.data as {
      accel?: AccelPayload;
      heart_rate?: number;
      spo2?: number;
      breathing_rate?: number;
    };
    const hasVitals =
      data.heart_rate !== undefined || data.spo2 !== undefined || data.breathing_rate !== undefined;
    if (!data.accel && !hasVitals) return;
    const window = this.window(reading.deviceId);
    if (data.accel) {
      const { hz, x, y, z } = data.accel;
      const step = 1000 / hz;
      for (let k = 0; k < x.length; k++) window.pushAccel(reading.ts + k * step, x[k]!, y[k]!, z[k]!);
    }
    if (hasVitals) {
      window.pushVitals(
        reading.ts,
        data.heart_rate ?? Number.NaN,
        data.spo2 ?? Number.NaN,
        data.breathing_rate ?? Number.NaN,
      );
    }
  }

  get(deviceId: string): DeviceWindow | undefined {
    return this.windows.get(deviceId);
  }

  get deviceCount(): number {
    return this.windows.size;
  }

  forget(deviceId: string): void {
    this.windows.delete(deviceId);
  }

  private window(deviceId: string): DeviceWindow {
    let window = this.windows.get(deviceId);
    if (!window) {
      window = new DeviceWindow(this.sizes.accelSamples, this.sizes.vitalSamples);
      this.windows.set(deviceId, window);
    }
    return window;
  }
}
