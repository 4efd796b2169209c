import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

/**
 * Health data never goes to the log above debug (PIPL; the README's LOG_LEVEL row): a fall, an
 * SOS and a vitals alert run through a hub whose log is read at info, as operators run it.
 */
let hub: TestHub;
const lines: string[] = [];
/** A heart rate no port, duration or count in the log is likely to equal by chance. */
const heartRate = 187;

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  hub = await startTestHub({ logger, config: { fallCancelWindowS: 2 } });
  expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
});
afterAll(async () => {
  await hub?.stop();
});

describe('logs', () => {
  it('[PRIVACY-LOGS] a fall, an SOS and a vitals alert leave no elder name, id, address or vital value in the log at info', async () => {
    // 王秀英's watch: a fall, alerted once its cancel window (2 s here) ends; 李桂兰's watch: a fall
    // she cancels with "I'm OK" (once logged at info with her id), then an SOS.
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'fall-1', type: 'fall' }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    const other = await hub.connectDevice('w-0002', 'watch-secret-0002');
    const event = (id: string, type: string) =>
      other.publishAsync('care/w-0002/event', JSON.stringify({ ts: Date.now(), event_id: id, type }), {
        qos: 1,
      });
    await event('fall-2', 'fall');
    await event('ok-2', 'ok');
    await event('sos-2', 'sos');
    // A frame the hub refuses (it is logged): the device is named, not the person.
    await other.publishAsync(
      'care/w-0002/telemetry',
      JSON.stringify({ ts: Date.now(), heart_rate: 'fast' }),
      { qos: 1 },
    );
    await other.endAsync();
    // 王秀英's heart rate far above the limit for three minutes: a vitals alert.
    const start = Date.now() - 180_000;
    for (let s = 0; s <= 180; s += 10) {
      const ts = start + s * 1000;
      hub.ingest.readings.publish({
        deviceId: 'w-0001',
        deviceType: 'watch',
        elderId: 'e-0001',
        ts,
        receivedAt: ts,
        clockSkewed: false,
        data: { ts, heart_rate: heartRate },
      });
    }
    const kinds = await until(
      async () =>
        (await hub.store.db.selectFrom('alerts').select(['kind', 'elder_id']).execute()).map(
          (a) => `${a.kind}:${a.elder_id}`,
        ),
      (k) => ['fall:e-0001', 'sos:e-0002', 'vitals:e-0001'].every((want) => k.includes(want)),
      15_000,
    );
    expect(kinds).toEqual(expect.arrayContaining(['fall:e-0001', 'sos:e-0002', 'vitals:e-0001']));
    // Staff open them; a specialist closes one with a note naming her.
    const spec = await hub.login('spec-jingtian', 'spec-password-1');
    const alerts = (await hub.app.inject({ url: '/api/v1/alerts', headers: hub.as(spec) })).json()
      .alerts as Array<{
      id: string;
    }>;
    for (const a of alerts) await hub.app.inject({ url: `/api/v1/alerts/${a.id}`, headers: hub.as(spec) });
    await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alerts[0]!.id}/resolve`,
      headers: hub.as(spec),
      payload: { outcome: 'help_given', note: '王秀英 景田北一街 3 栋 502' },
    });
    await hub.ingest.rollups.flush(true);

    // The log was written (it is not silent), and holds nothing of theirs.
    expect(lines.length).toBeGreaterThan(0);
    const log = lines.join('');
    for (const personal of [
      '王秀英',
      '李桂兰',
      'e-0001',
      'e-0002',
      '景田北一街',
      '梅林一村',
      '22.5531',
      '114.0412',
    ]) {
      expect(log, personal).not.toContain(personal);
    }
    expect(log).not.toMatch(/"(heart_rate|spo2|breathing_rate|hr|bpm)"/);
    expect(log).not.toMatch(new RegExp(`[^0-9.]${heartRate}[^0-9]`));
  });
});
