import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadDeviceCatalog } from '../devices/catalog.js';
import { defaultVitalsRules } from '../inference/detectors/vitals-rules.js';
import { VitalsWatch } from '../inference/detectors/vitals-watch.js';
import { readingLines } from '../ingest/line-protocol.js';
import { ReadingValidator } from '../ingest/readings.js';
import { VitalsHistory } from '../ingest/vitals-history.js';
import { dialects } from './support/databases.js';
import { advance, DetectorRig, shenzhen, useFakeClock } from './support/detector-kit.js';

const minute = 60_000;
/** One file, `smart_ring.ts`, in a folder the catalog is told about: as if dropped into devices/types/. */
const fixtureTypes = new URL('./fixtures/device-types/', import.meta.url);

describe.each(dialects)('a device type added in one file, on %s', (dialect) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('[DEVICE-NEW-TYPE] a ring that reports heart rate is validated, feeds the vitals rules, the rollups, the time series and the chart', async () => {
    const start = shenzhen(10, 0);
    useFakeClock(start);
    const catalog = await loadDeviceCatalog([fixtureTypes]);
    const ring = { id: 'ring-0001', type: 'smart_ring' };
    const rig = await DetectorRig.open(dialect, catalog, [ring]);
    const vitals = new VitalsWatch(rig.deps(defaultVitalsRules));
    const rollups = rig.rollups();
    await vitals.start();
    try {
      // Its telemetry schema comes from what it measures.
      const validator = new ReadingValidator({ catalog, maxPayloadBytes: 64 * 1024, now: Date.now });
      const payload = (data: object) => Buffer.from(JSON.stringify({ ts: Date.now(), ...data }));
      const device = { ...ring, elderId: 'e-0001' };
      expect(validator.telemetry(device, payload({ heart_rate: 32, worn: true })).ok).toBe(true);
      expect(validator.telemetry(device, payload({ heart_rate: 400 }))).toMatchObject({
        ok: false,
        error: 'invalid',
      });

      // 32 bpm from a worn ring for ten minutes: beyond the limits, as from a watch.
      await advance(11 * minute, () => vitals.idle(), {
        each: () => rig.send(ring.id, { heart_rate: 32, worn: true }),
      });
      const [alert] = await rig.alerts('vitals');
      expect(alert).toMatchObject({ status: 'open', severity: 'critical', device_id: ring.id });

      // The rollups (and so the console's vitals chart) have its heart rate.
      await rollups.stop();
      const points = await new VitalsHistory({ db: rig.store.db }).series(
        'e-0001',
        start,
        start + 5 * minute,
        minute,
      );
      expect(points[0]?.heart_rate).toMatchObject({ min: 32, max: 32 });

      // The time series writes it under its own type's name, by capability.
      const [line] = readingLines(
        {
          deviceId: ring.id,
          deviceType: ring.type,
          elderId: 'e-0001',
          ts: start,
          receivedAt: start,
          clockSkewed: false,
          data: { ts: start, heart_rate: 32, worn: true },
        },
        { elderId: 'e-0001', orgUnitId: 'jingtian' },
        false,
      );
      expect(line).toBe(
        `smart_ring,device=ring-0001,elder=e-0001,org_unit=jingtian heart_rate=32,worn=1i ${start}`,
      );

      // The console charts and lists what it measures, in both languages.
      expect(catalog.get('smart_ring')?.metrics.map((m) => [m.field, m.label.zh])).toEqual([
        ['heart_rate', '心率'],
        ['spo2', '血氧'],
        ['battery', '电量'],
      ]);
    } finally {
      await vitals.stop();
      await rig.close();
    }
  });
});
