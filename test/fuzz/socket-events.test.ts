import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDistrict, startTestHub, type TestHub } from '../support/hub.js';
import { ResponderApp } from '../support/responder-app.js';
import { until } from '../support/wait.js';
import { CaseCount, fuzzParameters, oddString, oddValue } from './fuzz-kit.js';

/**
 * Fuzzing the live sockets: every event the responder app sends on `/responder` (and unknown
 * ones), and whatever a console sends on `/console` (it only listens there), with generated
 * payloads and argument counts. Every event with an acknowledgement is answered — `ok:true`, or
 * `ok:false` with a reason of the documented set — within a second or so: never silence, never
 * `internal`, never an unhandled rejection, and the socket stays usable.
 */
const cases = new CaseCount('socket-events');
const reasons = new Set([
  'invalid',
  'unknown_event',
  'not_found',
  'not_pending',
  'taken',
  'busy',
  'no_task',
  'too_far',
  'not_assigned',
]);
const home = { lat: 22.5531, lon: 114.0412 };
/** Names socket.io keeps for itself: a client cannot emit them at all. */
const reserved = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

let hub: TestHub;
const tokens: Record<string, string> = {};
/** Offer and alert ids that exist, so that generated requests also reach real offers and tasks. */
let knownIds: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const sockets: Socket[] = [];

function open(namespace: '/responder' | '/console', auth: unknown): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${hub.addresses.http}${namespace}`, {
    auth: auth as Record<string, unknown>,
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** The payload of each responder event, well-formed (ids that exist, coordinates near home) or not. */
function payloadFor(event: string): fc.Arbitrary<unknown> {
  const id = fc.oneof(fc.constantFrom(...knownIds), oddString);
  const coordinate = (centre: number) =>
    fc.oneof(
      fc.double({ min: centre - 0.001, max: centre + 0.001, noNaN: true }),
      fc.constantFrom(90.0000001, -180.5, 1e308, -0, 0),
    );
  const shaped: Record<string, fc.Arbitrary<unknown>> = {
    'offer:accept': fc.record({ offer_id: id }),
    'offer:decline': fc.record({ offer_id: id }),
    'task:hand_back': fc.record({ alert_id: id }),
    duty: fc.record({ on_duty: fc.oneof(fc.boolean(), oddValue) }),
    location: fc.record({ lat: coordinate(home.lat), lon: coordinate(home.lon) }),
    checkin: fc.record({ lat: coordinate(home.lat), lon: coordinate(home.lon) }),
  };
  // An own property only: `constructor` or `__proto__` are event names too.
  const wellFormed = Object.hasOwn(shaped, event) ? shaped[event] : undefined;
  return fc.oneof(
    { weight: wellFormed ? 4 : 0, arbitrary: wellFormed ?? oddValue },
    { weight: 3, arbitrary: oddValue },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  );
}

const responderEvents = ['offer:accept', 'offer:decline', 'duty', 'location', 'checkin', 'task:hand_back'];
const eventName = (known: string[]) =>
  fc.oneof(
    { weight: known.length > 0 ? 4 : 0, arbitrary: known.length > 0 ? fc.constantFrom(...known) : oddString },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...responderEvents, 'offer', 'task', 'alert', 'escalation', 'ping'),
    },
    { weight: 1, arbitrary: oddString },
  );

/** One emit: an event, 0–2 payloads, with or without an acknowledgement. */
interface Emission {
  event: string;
  payloads: unknown[];
  acked: boolean;
}

const emission = (known: string[]): fc.Arbitrary<Emission> =>
  eventName(known)
    .filter((event) => !reserved.has(event))
    .chain((event) =>
      fc.record({
        event: fc.constant(event),
        payloads: fc.oneof(
          { weight: 6, arbitrary: payloadFor(event).map((p): unknown[] => [p]) },
          { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
          { weight: 1, arbitrary: fc.tuple(payloadFor(event), oddValue).map((p): unknown[] => [...p]) },
        ),
        acked: fc.oneof(
          { weight: 9, arbitrary: fc.constant(true) },
          { weight: 1, arbitrary: fc.constant(false) },
        ),
      }),
    );

/** The rule: an acknowledged event is answered with ok, or ok:false and a documented reason. */
async function answered(socket: Socket, e: Emission): Promise<void> {
  if (!e.acked) {
    socket.emit(e.event, ...e.payloads);
    return;
  }
  const answer = (await socket
    .timeout(3000)
    .emitWithAck(e.event, ...e.payloads)
    .catch((error: Error) => ({ timedOut: error.message }))) as {
    ok?: unknown;
    reason?: unknown;
    timedOut?: string;
  };
  const what = `${e.event} ${JSON.stringify(e.payloads).slice(0, 200)} → ${JSON.stringify(answer).slice(0, 200)}`;
  expect(answer.timedOut, what).toBeUndefined();
  expect(typeof answer.ok, what).toBe('boolean');
  if (answer.ok === false) {
    expect(typeof answer.reason, what).toBe('string');
    expect(reasons.has(answer.reason as string), what).toBe(true);
  }
  expect(socket.connected, what).toBe(true);
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  hub = await startTestHub({ config: { offerExpiryS: 3600 } });
  const doc = smallDistrict();
  doc.responders = [{ ...doc.responders![0]!, location: home }];
  expect((await hub.putDistrict(doc)).statusCode).toBe(200);
  tokens.admin = hub.adminToken;
  tokens.specialist = await hub.login('spec-jingtian', 'spec-password-1');
  tokens.responder = await hub.login('v-0001', 'volunteer-password');

  // A real offer to play with: the responder on duty at the door, the watch pressing SOS.
  const app = await ResponderApp.open(hub.addresses.http, tokens.responder);
  await app.onDutyAt(home.lat, home.lon);
  const watch = await hub.connectDevice('w-0001', 'watch-secret-0001');
  await watch.publishAsync(
    'care/w-0001/event',
    JSON.stringify({ ts: Date.now(), event_id: 'sos-1', type: 'sos' }),
    {
      qos: 1,
    },
  );
  await watch.endAsync();
  await until(
    async () => app.offers.length,
    (n) => n > 0,
    5000,
  );
  app.close();
  const offers = await hub.store.db.selectFrom('offers').select(['id', 'alert_id']).execute();
  knownIds = [...new Set(offers.flatMap((o) => [o.id, o.alert_id]))];
});

afterAll(async () => {
  cases.print();
  process.off('unhandledRejection', onUnhandled);
  for (const socket of sockets) socket.close();
  await hub?.stop();
});

describe('fuzzing socket events', () => {
  it('[FUZZ-SOCKET-RESPONDER] generated events and payloads on /responder: always answered, ok or a documented reason; the socket stays usable', async () => {
    expect(knownIds.length).toBeGreaterThan(0);
    const socket = await open('/responder', { token: tokens.responder });
    await fc.assert(
      fc.asyncProperty(
        emission(responderEvents),
        cases.counted('responder', (e: Emission) => answered(socket, e)),
      ),
      fuzzParameters<[Emission]>(300, [
        // Regressions: silence for an unknown event; a decline or hand-back refused without a reason;
        // the acknowledgement taken for the payload when the app sent two.
        [{ event: 'offer:cancel', payloads: [{}], acked: true }],
        [{ event: 'offer:decline', payloads: [{ offer_id: 'no-such-offer' }], acked: true }],
        [{ event: 'task:hand_back', payloads: [{ alert_id: 'no-such-alert' }], acked: true }],
        [{ event: 'duty', payloads: [{ on_duty: true }, 'extra'], acked: true }],
        [{ event: 'duty', payloads: [], acked: true }],
      ]),
    );
    // Still the responder's phone: duty and location are taken.
    expect(await socket.timeout(3000).emitWithAck('duty', { on_duty: true })).toEqual({ ok: true });
    expect(await socket.timeout(3000).emitWithAck('location', home)).toEqual({ ok: true });
    socket.close();
  }, 60_000);

  it('[FUZZ-SOCKET-CONSOLE] whatever a console sends on /console is answered unknown_event; alerts still reach it', async () => {
    const consoles = {
      admin: await open('/console', { token: tokens.admin }),
      specialist: await open('/console', { token: tokens.specialist }),
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('admin', 'specialist' as const),
        emission([]),
        cases.counted('console', async (who: 'admin' | 'specialist', e: Emission) => {
          await answered(consoles[who], e);
        }),
      ),
      fuzzParameters<['admin' | 'specialist', Emission]>(100, [
        ['admin', { event: 'offer:accept', payloads: [{ offer_id: knownIds[0] }], acked: true }],
      ]),
    );
    // The live feed goes on: a new SOS reaches the admin's console.
    const alerts: Array<{ device_id: string }> = [];
    consoles.admin.on('alert', (a: { device_id: string }) => alerts.push(a));
    const watch = await hub.connectDevice('w-0002', 'watch-secret-0002');
    await watch.publishAsync(
      'care/w-0002/event',
      JSON.stringify({ ts: Date.now(), event_id: 'sos-2', type: 'sos' }),
      {
        qos: 1,
      },
    );
    await watch.endAsync();
    await until(
      async () => alerts.length,
      (n) => n > 0,
      3000,
    );
    expect(alerts).toContainEqual(expect.objectContaining({ device_id: 'w-0002' }));
    for (const socket of Object.values(consoles)) socket.close();
  }, 30_000);

  it('[FUZZ-SOCKET-HANDSHAKE] odd handshake auth (tokens of any type) is refused as unauthorized, never let in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/responder' as const, '/console' as const),
        fc.oneof(
          fc.record({ token: oddValue }),
          fc.record({
            token: fc.constantFrom(
              tokens.responder!.toUpperCase(),
              `${tokens.admin} `,
              tokens.admin!.slice(1),
              '',
            ),
          }),
          fc.dictionary(oddString, oddValue, { maxKeys: 3 }),
        ),
        cases.counted(
          'handshakes',
          async (namespace: '/responder' | '/console', auth: Record<string, unknown>) => {
            const outcome = await open(namespace, auth).then(
              (socket) => {
                socket.close();
                return 'connected';
              },
              (error: Error) => error.message,
            );
            expect(outcome).toBe('unauthorized');
          },
        ),
      ),
      fuzzParameters<['/responder' | '/console', Record<string, unknown>]>(60, [
        ['/console', { token: 12345 }],
        ['/responder', { token: { length: 1 } }],
      ]),
    );
    // A responder's token is not a console's, nor the other way round.
    await expect(open('/console', { token: tokens.responder })).rejects.toThrow('unauthorized');
    await expect(open('/responder', { token: tokens.admin })).rejects.toThrow('unauthorized');
  }, 30_000);

  it('[FUZZ-SOCKET-CALM] no unhandled rejection anywhere during the run', () => {
    expect(unhandled).toEqual([]);
  });
});
