/**
 * A load process: mqtt.js clients that connect, publish or disconnect when the parent says so (IPC).
 * It exits when the parent goes away or after LOAD_MAX_LIFETIME_MS, whichever comes first.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { ConnectReply, Credentials, LoadCommand, LoadReply, PublishReply, StreamReply } from './load.js';
import { now } from './stats.js';

let clients: MqttClient[] = [];

/** CONNACK 3: the broker is busy (the hub: verifying other devices' secrets) and asks to be tried later. */
const serverUnavailable = 3;

function connect(command: Extract<LoadCommand, { op: 'connect' }>): Promise<ConnectReply> {
  const reply: ConnectReply = {
    op: 'connected',
    connected: 0,
    failed: 0,
    errors: [],
    refused: 0,
    refusedClients: 0,
    retries: 0,
    startedAt: now(),
    createdAt: 0,
    lastConnackAt: 0,
    latenciesMs: [],
  };
  const retry = command.retry;
  return new Promise((resolve) => {
    let pending = command.clients.length;
    if (pending === 0) resolve(reply);
    const settle = () => {
      if (--pending === 0) resolve(reply);
    };
    /** One device: attempts until connected, refused for good, or out of time; it keeps its slot in `clients`. */
    const device = (credentials: Credentials) => {
      const slot = clients.length;
      const started = now();
      const deadline = started + command.connectTimeoutMs;
      let refusedOnce = false;
      const attempt = (n: number) => {
        let done = false;
        const client = mqtt.connect(command.url, {
          clientId: credentials.id,
          username: credentials.secret ? credentials.id : undefined,
          password: credentials.secret,
          protocolVersion: 4,
          clean: true,
          reconnectPeriod: 0,
          keepalive: 600,
          connectTimeout: Math.max(1, deadline - now()),
        });
        clients[slot] = client;
        client.once('connect', () => {
          if (done) return;
          done = true;
          reply.lastConnackAt = now();
          reply.latenciesMs.push(reply.lastConnackAt - started);
          reply.connected++;
          settle();
        });
        const fail = (error?: Error & { code?: unknown }) => {
          if (done) return;
          done = true;
          const busy = error?.code === serverUnavailable;
          if (busy) {
            reply.refused++;
            if (!refusedOnce) reply.refusedClients++;
            refusedOnce = true;
          }
          // Retried: a busy broker, or a connection lost before its CONNACK. Not: bad credentials, unknown id.
          const retryable = busy || !(error && typeof error.code === 'number');
          // Full jitter: a random wait up to base × 2^n (capped), so that refused devices do not come back together.
          const wait = retry && Math.random() * Math.min(retry.maxMs, retry.baseMs * 2 ** n);
          if (retry && retryable && now() + wait! < deadline) {
            client.end(true);
            reply.retries++;
            setTimeout(() => attempt(n + 1), wait);
            return;
          }
          reply.failed++;
          if (reply.errors.length < 5) reply.errors.push(error?.message ?? 'closed before CONNACK');
          settle();
        };
        client.on('error', fail);
        client.once('close', () => fail());
      };
      attempt(0);
    };
    const queue = [...command.clients];
    const perSecond = command.perSecond;
    if (!perSecond) {
      for (const credentials of queue) device(credentials);
      reply.createdAt = now();
      return;
    }
    // Paced: every 10 ms, as many as the schedule allows by now.
    let started = 0;
    const pace = () => {
      const due = Math.min(queue.length, Math.ceil(((now() - reply.startedAt) * perSecond) / 1000));
      for (; started < due; started++) device(queue[started]!);
      if (started < queue.length) setTimeout(pace, 10);
      else reply.createdAt = now();
    };
    pace();
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

/** A QoS 0 PUBLISH's fixed header and topic (MQTT 3.1.1 §3.3), to be followed by a payload of `payloadLength` bytes. */
function publishHeader(topic: Buffer, payloadLength: number): Buffer {
  let remaining = 2 + topic.length + payloadLength;
  const length: number[] = [];
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    length.push(byte);
  } while (remaining > 0);
  const topicLength = Buffer.alloc(2);
  topicLength.writeUInt16BE(topic.length);
  return Buffer.concat([Buffer.from([0x30, ...length]), topicLength, topic]);
}

/**
 * Open-loop telemetry as devices send it: this process's share of the offered rate on a fixed schedule,
 * message k from client k mod n (so each client sends `ratePerClient` a second, evenly spaced), whether
 * or not the broker keeps up; what it does not read waits in the sockets. The loop is bounded by the
 * clock, not by publish callbacks (those starve timers: ../../shared/gotchas.md).
 */
function stream(command: Extract<LoadCommand, { op: 'stream' }>): Promise<StreamReply> {
  const prefix = command.prefix;
  const active = (prefix ? clients.filter((c) => c.options.clientId?.startsWith(prefix)) : clients).slice(
    0,
    command.clients,
  );
  const topics = active.map((c) => Buffer.from(`care/${c.options.clientId}/telemetry`));
  // Each client's PUBLISH header (fixed header, topic) for the current payload length: telemetry is written
  // as ready-made QoS 0 PUBLISH packets straight to the client's socket — the same bytes mqtt.js would send,
  // at a fraction of its cost per message, so that one core of load can offer more than a broker takes.
  let headers: Buffer[] = [];
  let headerFor = -1;
  const header = (i: number, payloadLength: number) => {
    if (payloadLength !== headerFor) {
      headers = topics.map((topic) => publishHeader(topic, payloadLength));
      headerFor = payloadLength;
    }
    return headers[i]!;
  };
  const rate = active.length * command.ratePerClient;
  const runMs = command.seconds * 1000;
  const total = Math.round((rate * runMs) / 1000);
  const reply: StreamReply = {
    op: 'streamed',
    sent: 0,
    skipped: 0,
    startedAt: 0,
    finishedAt: 0,
    lateP99Ms: 0,
    lateMaxMs: 0,
    events: { sent: 0, acked: 0, errors: [], lastAckAt: 0, ackMs: [], published: [], ackedAt: [] },
    closed: 0,
    rssMiB: 0,
  };
  // SOS events: client j of n sends its k-th at ((k + j/n) / perClient) of the run.
  const events = command.events;
  const wanted = new Set(events?.clientIds ?? []);
  const eventClients = clients.filter((c) => wanted.has(c.options.clientId ?? ''));
  const schedule = eventClients
    .flatMap((client, j) =>
      Array.from({ length: events?.perClient ?? 0 }, (_, k) => ({
        at: ((k + j / eventClients.length) / (events?.perClient ?? 1)) * runMs,
        client,
        k,
      })),
    )
    .sort((a, b) => a.at - b.at);
  let payload = Buffer.alloc(0);
  let payloadSecond = -1;
  const payloadNow = () => {
    const t = Date.now();
    if (Math.floor(t / 1000) !== payloadSecond) {
      payloadSecond = Math.floor(t / 1000);
      payload = Buffer.from(`{"ts":${t},${command.telemetryRest}`);
    }
    return payload;
  };
  const lates: number[] = [];
  let [next, ev, pendingAcks] = [0, 0, 0];
  return new Promise((resolve) => {
    let telemetryDone = false;
    const settle = () => {
      if (!telemetryDone || ev < schedule.length || pendingAcks > 0) return;
      telemetryDone = false; // once
      reply.closed = clients.filter((c) => !c.connected).length;
      lates.sort((a, b) => a - b);
      reply.lateP99Ms = Math.round(lates[Math.floor(lates.length * 0.99)] ?? 0);
      reply.lateMaxMs = Math.round(lates.at(-1) ?? 0);
      const status = readFileSync('/proc/self/status', 'utf8');
      reply.rssMiB = Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024);
      resolve(reply);
    };
    const sendEvent = (client: MqttClient, k: number) => {
      const id = client.options.clientId;
      const eventId = `${events!.idPrefix}-${id}-${k}`;
      if (!client.connected) {
        // mqtt.js would keep it for a reconnect that never comes: count it as not sent.
        if (reply.events.errors.length < 5) reply.events.errors.push(`${id} not connected`);
        return;
      }
      const message = JSON.stringify({ ts: Date.now(), event_id: eventId, type: events!.type ?? 'sos' });
      reply.events.sent++;
      pendingAcks++;
      const sentAt = now();
      reply.events.published.push([eventId, sentAt]);
      client.publish(`care/${id}/event`, message, { qos: 1 }, (error) => {
        pendingAcks--;
        if (error) {
          if (reply.events.errors.length < 5) reply.events.errors.push(error.message);
        } else {
          reply.events.acked++;
          reply.events.lastAckAt = now();
          reply.events.ackMs.push(Math.round(reply.events.lastAckAt - sentAt));
          reply.events.ackedAt.push([eventId, reply.events.lastAckAt]);
        }
        settle();
      });
    };
    let scheduled = 0;
    const tick = () => {
      const elapsed = now() - command.startAt;
      const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
      if (due > scheduled) lates.push(elapsed - ((scheduled + 1) * 1000) / rate);
      if (reply.startedAt === 0 && due > 0) reply.startedAt = now();
      const message = payloadNow();
      for (; scheduled < due; scheduled++) {
        const i = next;
        next = (next + 1) % active.length;
        // A closed client would queue QoS 0 in memory (queueQoSZero): skip it, and count it.
        const client = active[i]!;
        if (client.connected && !client.stream.destroyed) {
          client.stream.write(Buffer.concat([header(i, message.length), message]));
          reply.sent++;
        } else reply.skipped++;
      }
      while (ev < schedule.length && schedule[ev]!.at <= elapsed) {
        sendEvent(schedule[ev]!.client, schedule[ev]!.k);
        ev++;
      }
      if (scheduled >= total && ev >= schedule.length) {
        reply.finishedAt = now();
        telemetryDone = true;
        if (pendingAcks > 0) {
          setTimeout(() => {
            pendingAcks = 0; // give up waiting: what is not acknowledged by now counts as not acked
            settle();
          }, events?.ackTimeoutMs ?? 0);
        }
        settle();
      } else setTimeout(tick, 2);
    };
    setTimeout(tick, Math.max(0, command.startAt - Date.now()));
  });
}

async function end(): Promise<void> {
  // A client that is not connected would wait forever for its unacknowledged publishes: closed at once.
  await Promise.all(clients.map((c) => c.endAsync(!c.connected).catch(() => undefined)));
  clients = [];
}

async function handle(command: LoadCommand): Promise<LoadReply> {
  if (command.op === 'connect') return connect(command);
  if (command.op === 'publish') return publish(command);
  if (command.op === 'stream') return stream(command);
  await end();
  return { op: 'ended' };
}

process.on('message', (command: LoadCommand & { seq?: number }) => {
  handle(command).then(
    (reply) => process.send?.({ ...reply, seq: command.seq }),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(2), Number(process.env.LOAD_MAX_LIFETIME_MS ?? 300_000)).unref();
process.send?.({ op: 'ready' } satisfies LoadReply);
