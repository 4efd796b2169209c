import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

describe.each(dialects)('an event id with a control character, on %s', (dialect) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ dialect });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('[EVENT-ID-CONTROL] is answered as invalid (not a store failure that closes the connection), and the SOS after it is stored', async () => {
    const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    let closed = false;
    watch.on('close', () => {
      closed = true;
    });
    const errors: Array<{ error: string; detail: unknown }> = [];
    watch.on('message', (_topic, payload) => errors.push(JSON.parse(payload.toString())));
    await watch.subscribeAsync('care/w-0001/error');
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'nul\u0000id', type: 'sos' }),
      { qos: 1 },
    );
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({ ts: Date.now(), event_id: 'after-nul', type: 'sos' }),
      { qos: 1 },
    );
    const answered = await until(
      async () => errors,
      (e) => e.length > 0,
    );
    expect(answered[0]).toMatchObject({ error: 'invalid' });
    expect(JSON.stringify(answered[0]!.detail)).toContain('event_id');
    expect(closed).toBe(false);
    const stored = await hub.store.db.selectFrom('device_events').select('event_id').execute();
    expect(stored.map((r) => r.event_id)).toEqual(['after-nul']);
    await watch.endAsync();
  });
});
