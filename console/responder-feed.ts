import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Dispatcher, DispatchNotice } from '../dispatch/dispatcher.js';
import type { Channel } from '../kernel/channel.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { SocketSessions } from './socket-sessions.js';
import { answerUnknownEvents } from './unknown-events.js';

const roomPrefix = 'responder:';
const responderRoom = (id: string) => `${roomPrefix}${id}`;

/**
 * The responders with an app connected on any process, read off the rooms: cluster mode's Redis
 * adapter asks every process for its room names (~42 bytes a socket), where `fetchSockets()` had each
 * send every socket's handshake over Redis (~920 bytes a socket, the session token among them: ~9 MB
 * a check at 10,000 phones). Alone, the in-memory adapter's rooms are all there is.
 */
async function respondersWithApps(namespace: Namespace): Promise<Set<string>> {
  const adapter = namespace.adapter as Namespace['adapter'] & { allRooms?: () => Promise<Set<string>> };
  const rooms = adapter.allRooms ? await adapter.allRooms() : adapter.rooms.keys();
  const ids = new Set<string>();
  for (const room of rooms) if (room.startsWith(roomPrefix)) ids.add(room.slice(roomPrefix.length));
  return ids;
}
const offerMessage = z.object({ offer_id: z.string().min(1).max(64) });
const position = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
const duty = z.object({ on_duty: z.boolean() });
const taskMessage = z.object({ alert_id: z.string().min(1).max(64) });

type Ack = (answer: unknown) => void;

/**
 * The responder app's live channel, socket.io namespace `/responder`, signed in with a
 * responder user's token (its username is the responder id). Emits `duty` (at connect), `offer`,
 * `offer:withdrawn`, `task` (given, taken or checked in at: `on_site`) and `task:closed`; takes
 * `offer:accept`, `offer:decline`, `duty`, `location`, `checkin` and `task:hand_back` (cannot go
 * after all), each answered through the acknowledgement.
 */
export class ResponderFeed {
  private namespace: Namespace | undefined;
  private unsubscribe: (() => void) | undefined;
  private appCheck: NodeJS.Timeout | undefined;
  private checkingApps = false;

  constructor(
    private readonly deps: {
      sessions: SocketSessions;
      dispatcher: Dispatcher;
      notices: Channel<DispatchNotice>;
      logger: Logger;
    },
  ) {}

  attach(io: Server): void {
    const namespace = io.of('/responder');
    this.deps.sessions.guard(namespace, (user) => user.role === 'responder');
    namespace.on('connection', (socket) => {
      this.connected(socket).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'responder connection not set up; dropped');
        socket.disconnect(true);
      });
    });
    this.unsubscribe = this.deps.notices.subscribe((n) => this.tell(n));
    this.namespace = namespace;
    // A close is seen only by a live hub: after a crash (or a node's death) its apps' closes never come.
    this.appCheck = setInterval(() => void this.findGoneApps(), this.deps.dispatcher.appCheckMs);
    this.appCheck.unref();
  }

  close(): void {
    clearInterval(this.appCheck);
    this.unsubscribe?.();
  }

  /** Apps counted connected with no socket on any node are offline from now (`Dispatcher.appsGone`). */
  private async findGoneApps(): Promise<void> {
    const namespace = this.namespace;
    if (!namespace || this.checkingApps) return;
    this.checkingApps = true;
    try {
      const gone = await this.deps.dispatcher.appsGone(() => respondersWithApps(namespace));
      if (gone.length > 0)
        this.deps.logger.info({ responders: gone }, 'responder apps gone without a close: offline from now');
    } catch (error) {
      // e.g. another node did not answer in time: the next check tries again
      this.deps.logger.warn({ err: error }, 'responder apps not checked');
    } finally {
      this.checkingApps = false;
    }
  }

  private async connected(socket: Socket): Promise<void> {
    // A responder user's username is the responder id.
    const id = (socket.data.user as SignedInUser).username;
    const { dispatcher } = this.deps;
    socket.join(responderRoom(id));
    // What is answered on one device the volunteer's others (a second phone, a tab; on any node) are
    // told at once, by the socket only: no push, the volunteer has just done it.
    const others = () => socket.to(responderRoom(id));
    this.handle(socket, 'offer:accept', offerMessage, async (m) => {
      const answer = await dispatcher.accept(m.offer_id, id);
      if (answer.ok) others().emit('task', answer.task);
      return answer;
    });
    this.handle(socket, 'offer:decline', offerMessage, async (m) => {
      const alertId = await dispatcher.decline(m.offer_id, id);
      if (!alertId) return { ok: false, reason: 'not_pending' };
      others().emit('offer:withdrawn', { offer_id: m.offer_id, alert_id: alertId });
      return { ok: true };
    });
    this.handle(socket, 'duty', duty, async (m) => {
      await dispatcher.setDuty(id, m.on_duty);
      return { ok: true };
    });
    this.handle(socket, 'location', position, async (m) => {
      await dispatcher.locate(id, m.lat, m.lon);
      return { ok: true };
    });
    this.handle(socket, 'checkin', position, async (m) => {
      const answer = await dispatcher.checkIn(id, m.lat, m.lon);
      if (!answer.ok) return answer;
      others().emit('task', answer.task);
      return { ok: true };
    });
    this.handle(socket, 'task:hand_back', taskMessage, async (m) =>
      (await dispatcher.handBack(m.alert_id, id)) ? { ok: true } : { ok: false, reason: 'not_assigned' },
    );
    answerUnknownEvents(socket);
    // The app is reachable again; once its last connection (on any node) closes, the grace runs.
    socket.on('disconnect', () => void this.maybeGone(id));
    await dispatcher.appConnection(id, true);
    // An app that (re)connects gets the hub's state, not what it remembers: duty, offers, task.
    socket.emit('duty', { on_duty: dispatcher.onDuty(id) });
    for (const offer of await dispatcher.pendingOffers(id)) socket.emit('offer', offer);
    const task = await dispatcher.currentTask(id);
    if (task) socket.emit('task', task);
  }

  /** The responder's app is offline once none of its sockets is left (a second tab, a reconnect). */
  private async maybeGone(id: string): Promise<void> {
    try {
      const left = await this.namespace?.in(responderRoom(id)).fetchSockets();
      if (left && left.length === 0) await this.deps.dispatcher.appConnection(id, false);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'responder app disconnect not recorded');
    }
  }

  private handle<T>(
    socket: Socket,
    event: string,
    schema: z.ZodType<T>,
    work: (message: T) => Promise<unknown>,
  ): void {
    socket.on(event, (...args: unknown[]) => {
      // The acknowledgement is the last argument, however many the app sent before it.
      const last = args.at(-1);
      const reply = typeof last === 'function' ? (last as Ack) : () => undefined;
      const parsed = schema.safeParse(args[0] === last && typeof last === 'function' ? undefined : args[0]);
      if (!parsed.success) {
        reply({
          ok: false,
          reason: 'invalid',
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
        return;
      }
      work(parsed.data).then(reply, (error: unknown) => {
        this.deps.logger.error({ err: error, event }, 'responder request failed');
        reply({ ok: false, reason: 'internal' });
      });
    });
  }

  private tell(notice: DispatchNotice): void {
    const room = (id: string) => this.namespace?.to(responderRoom(id));
    if (notice.type === 'offer') room(notice.responderId)?.emit('offer', notice.offer);
    if (notice.type === 'withdrawn')
      room(notice.responderId)?.emit('offer:withdrawn', {
        offer_id: notice.offerId,
        alert_id: notice.alertId,
      });
    if (notice.type === 'task') room(notice.responderId)?.emit('task', notice.task);
    if (notice.type === 'task_closed')
      room(notice.responderId)?.emit('task:closed', { alert_id: notice.alertId });
  }
}
