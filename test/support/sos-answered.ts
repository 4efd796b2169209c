import type { TestHub } from './hub.js';
import { ResponderApp } from './responder-app.js';
import { until } from './wait.js';

/**
 * One SOS all the way through a hub holding `smallDistrict()`: the watch's event over MQTT (QoS 1:
 * PUBACKed once stored), the open alert, an offer on volunteer v-0001's phone, and the community's
 * specialist acknowledging the alert. Afterwards each of the hub's latency histograms has a sample.
 */
export async function sosAnswered(hub: TestHub, eventId: string): Promise<{ alertId: string }> {
  const phone = await ResponderApp.open(hub.addresses.http, await hub.login('v-0001', 'volunteer-password'));
  try {
    await phone.onDutyAt(22.5529, 114.042);
    await pressSos(hub, 'w-0001', 'watch-secret-0001', eventId);
    const offered = await until(
      async () => phone.offers.length,
      (n) => n > 0,
      10_000,
    );
    if (offered === 0) throw new Error('the SOS reached no volunteer');
    const alertId = phone.offers[0]!.alert_id;
    const specialist = hub.as(await hub.login('spec-jingtian', 'spec-password-1'));
    const acknowledged = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alertId}/acknowledge`,
      headers: specialist,
    });
    if (acknowledged.statusCode !== 200) throw new Error(`acknowledge: ${acknowledged.body}`);
    return { alertId };
  } finally {
    phone.close();
  }
}

/** A watch's SOS over MQTT (QoS 1): resolves once the hub has PUBACKed it, i.e. stored it. */
export async function pressSos(
  hub: TestHub,
  watchId: string,
  secret: string,
  eventId: string,
): Promise<void> {
  const watch = await hub.connectDevice(watchId, secret);
  await watch.publishAsync(
    `care/${watchId}/event`,
    JSON.stringify({ ts: Date.now(), event_id: eventId, type: 'sos' }),
    { qos: 1 },
  );
  await watch.endAsync();
}
