import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Channel } from '../kernel/channel.js';
import { HubMetrics } from '../kernel/metrics.js';
import type { StoredEvent } from './event-log.js';
import type { Reading } from './readings.js';
import { TimeSeriesWriter } from './time-series.js';

describe('time series writer', () => {
  it('[TS-DROPPED] lines dropped in a long outage are counted in /metrics and logged once per outage', async () => {
    const logged: Array<{ msg: string }> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const metrics = new HubMetrics();
    const readings = new Channel<Reading>((e) => {
      throw e;
    });
    const writer = new TimeSeriesWriter({
      // Port 9 (discard) on loopback: nothing listens, every write fails at once.
      target: {
        url: 'http://127.0.0.1:9',
        token: '',
        org: 'o',
        bucket: 'b',
        writeAccel: false,
        maxBufferLines: 1000,
      },
      directory: { orgUnitOf: () => null },
      readings,
      events: new Channel<StoredEvent>(() => undefined),
      metrics,
      logger: pino({ level: 'info' }, sink),
      shutdownFlushMs: 500,
    });
    writer.start();
    for (let i = 0; i < 12; i++) {
      for (let k = 0; k < 500; k++) {
        const ts = 1_764_392_000_000 + i * 1000 + k;
        readings.publish({
          deviceId: 'w-0001',
          deviceType: 'watch',
          elderId: null,
          ts,
          receivedAt: ts,
          clockSkewed: false,
          data: { ts, heart_rate: 70 },
        });
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const dropped = (await metrics.timeSeriesDropped.get()).values[0]?.value ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(logged.filter((l) => l.msg.startsWith('time series lines dropped'))).toHaveLength(1);
    await writer.stop();
  });
});
