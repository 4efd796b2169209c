/**
 * A load process: mqtt.js clients that connect, publish or disconnect when the parent says so (IPC).
 * It exits when the parent goes away or after LOAD_MAX_LIFETIME_MS, whichever comes first.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { ConnectReply, LoadCommand, LoadReply, PublishReply } from './load.js';

const now = () => performance.timeOrigin + performance.now();
let clients: MqttClient[] = [];

function connect(command: Extract<LoadCommand, { op: 'connect' }>): Promise<ConnectReply> {
  const reply: ConnectReply = {
    op: 'connected',
    connected: 0,
    failed: 0,
    errors: [],
    startedAt: now(),
    createdAt: 0,
    lastConnackAt: 0,
    latenciesMs: [],
  };
  return new Promise((resolve) => {
    let pending = command.clients.length;
    const settle = () => {
      if (--pending === 0) resolve(reply);
    };
    for (const credentials of command.clients) {
      const started = now();
      let settled = false;
      const client = mqtt.connect(command.url, {
        clientId: credentials.id,
        username: credentials.secret ? credentials.id : undefined,
        password: credentials.secret,
        protocolVersion: 4,
        clean: true,
        reconnectPeriod: 0,
        keepalive: 600,
        connectTimeout: command.connectTimeoutMs,
      });
      client.once('connect', () => {
        if (settled) return;
        settled = true;
        reply.lastConnackAt = now();
        reply.latenciesMs.push(reply.lastConnackAt - started);
        reply.connected++;
        settle();
      });
      const fail = (error?: Error) => {
        if (settled) return;
        settled = true;
        reply.failed++;
        if (reply.errors.length < 5) reply.errors.push(error?.message ?? 'closed before CONNACK');
        settle();
      };
      client.on('error', fail);
      client.once('close', () => fail());
      clients.push(client);
    }
    reply.createdAt = now();
    if (pending === 0) resolve(reply);
  });
}

function publish(command: Extract<LoadCommand, { op: 'publish' }>): Promise<PublishReply> {
  const reply: PublishReply = {
    op: 'published',
    sent: 0,
    acked: 0,
    fences: 0,
    errors: [],
    startedAt: now(),
    finishedAt: 0,
  };
  const payload = Buffer.from(command.payload);
  const more = (sent: number) => sent < command.perClient && Date.now() < command.until;
  const noteError = (error?: Error) => {
    if (error && reply.errors.length < 5) reply.errors.push(error.message);
    return !error;
  };
  const one = (client: MqttClient) =>
    new Promise<void>((done) => {
      const topic = `care/${client.options.clientId}/telemetry`;
      let sent = 0;
      let inflight = 0;
      let finished = false;
      let waiting = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        if (!command.fence) return done();
        client.publish(topic, payload, { qos: 1 }, (error) => {
          if (noteError(error)) reply.fences++;
          done();
        });
      };
      const rate = command.ratePerClient;
      const allowed = () => (rate ? ((now() - reply.startedAt) * rate) / 1000 : Number.POSITIVE_INFINITY);
      const qos1 = () => {
        const cap = allowed();
        while (inflight < command.window && more(sent) && sent < cap) {
          inflight++;
          sent++;
          reply.sent++;
          client.publish(topic, payload, { qos: 1 }, (error) => {
            inflight--;
            if (noteError(error)) reply.acked++;
            qos1();
          });
        }
        if (!more(sent)) {
          if (inflight === 0) finish();
        } else if (sent >= cap && !waiting) {
          // Paced: come back when the schedule allows more.
          waiting = true;
          setTimeout(() => {
            waiting = false;
            qos1();
          }, 5);
        }
      };
      // QoS 0: write until the socket pushes back, then wait for it to drain; yield now and then.
      const qos0 = () => {
        for (let burst = 0; burst < 500 && more(sent); burst++) {
          client.publish(topic, payload, { qos: 0 });
          sent++;
          reply.sent++;
          if (client.stream.writableNeedDrain) {
            client.stream.once('drain', qos0);
            return;
          }
        }
        if (more(sent)) setImmediate(qos0);
        else finish();
      };
      if (command.qos === 1) qos1();
      else qos0();
    });
  return Promise.all(clients.map(one)).then(() => {
    reply.finishedAt = now();
    return reply;
  });
}

async function end(): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
  clients = [];
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  if (command.op === 'connect') return connect(command);
  if (command.op === 'publish') return publish(command);
  await end();
  return { op: 'ended' };
}

process.on('message', (command: LoadCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(2), Number(process.env.LOAD_MAX_LIFETIME_MS ?? 300_000)).unref();
process.send?.({ op: 'ready' } satisfies LoadReply);
