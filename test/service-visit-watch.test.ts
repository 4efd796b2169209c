import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from './support/databases.js';
import { smallDistrict, startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely and checked field by field
type Json = any;

/** 王秀英's home in the small district; her watch is w-0001. */
const home = { lat: 22.5531, lon: 114.0412 };

describe.each(dialects)('a service visit’s code on the elder’s watch on %s', (dialect) => {
  let hub: TestHub | undefined;
  let watch: MqttClient | undefined;
  afterEach(async () => {
    await watch?.endAsync();
    await hub?.stop();
    watch = undefined;
    hub = undefined;
  });

  it('[VISIT-CODE-WATCH] at check-in the watch gets the visit’s code as a notify command over MQTT; the code read out confirms the visit and it is paid without a flag', async () => {
    hub = await startTestHub({ dialect });
    expect((await hub.putDistrict(smallDistrict())).statusCode).toBe(200);
    const h = hub;
    const call = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
      const res = await h.app.inject({ method, url: `/api/v1${url}`, headers: h.as(token), payload });
      return { status: res.statusCode, body: res.json() as Json };
    };
    watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
    const shown: Json[] = [];
    watch.on('message', (topic, payload) => {
      if (topic === 'care/w-0001/command') shown.push(JSON.parse(payload.toString()));
    });
    await watch.subscribeAsync('care/w-0001/command', { qos: 1 });

    const specialist = await hub.login('spec-jingtian', 'spec-password-1');
    const volunteer = await hub.login('v-0001', 'volunteer-password');
    const order = await call('POST', '/service-orders', specialist, {
      elder_id: 'e-0001',
      kind: 'visit',
      note: '陪老人散步',
      wanted_at: Date.now(),
    });
    expect(order.status).toBe(201);
    const id = order.body.id as string;
    expect((await call('POST', `/service-orders/${id}/take`, volunteer)).body.status).toBe('taken');
    const checkedIn = await call('POST', `/service-orders/${id}/check-in`, volunteer, home);
    expect(checkedIn.body).toMatchObject({ status: 'in_progress', proof: { code_shown: true } });

    const notified = await until(
      async () => shown.filter((c) => c.command_id === `visit-${id}`),
      (c) => c.length > 0,
      10_000,
    );
    expect(notified, 'the watch got no notify command with the visit’s code within 10 s').toHaveLength(1);
    expect(notified[0]).toMatchObject({ command: 'notify', level: 'info' });
    const code = /\d{4}/.exec(notified[0].text)?.[0];
    expect(code, `a 4-digit code in "${notified[0].text}"`).toMatch(/^\d{4}$/);
    // The watch shows it: it acknowledges the command as the protocol says.
    await watch.publishAsync(
      'care/w-0001/event',
      JSON.stringify({
        ts: Date.now(),
        event_id: `ack-${id}`,
        type: 'command_ack',
        command_id: `visit-${id}`,
      }),
      { qos: 1 },
    );

    const done = await call('POST', `/service-orders/${id}/check-out`, volunteer, { ...home, code });
    expect(done.body).toMatchObject({ status: 'done', proof: { confirmation: 'elder_code' } });
    expect((await call('POST', `/service-orders/${id}/rate`, specialist, { rating: 5 })).status).toBe(200);
    const certified = await call('POST', `/service-orders/${id}/certify`, specialist, { claimed_minutes: 0 });
    expect(certified.body.credit).toMatchObject({ status: 'paid' });
  }, 60_000);
});
