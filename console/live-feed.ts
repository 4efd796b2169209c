import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { type Namespace, Server, type ServerOptions } from 'socket.io';
import type { AlertUpdate } from '../alerts/alert-book.js';
import type { DispatchNotice } from '../dispatch/dispatcher.js';
import type { Channel } from '../kernel/channel.js';
import type { SignedInUser } from '../kernel/identity.js';
import type { SocketSessions } from './socket-sessions.js';
import { answerUnknownEvents } from './unknown-events.js';

const unitRoom = (unitId: string) => `unit:${unitId}`;
/** The whole hub (users of no org unit). */
const hubRoom = 'unit:/';

/**
 * Live updates for the console over socket.io, namespace `/console`. A socket
 * signs in with a bearer token and hears only about its own org unit and below.
 */
export class ConsoleFeed {
  private io: Server | undefined;
  private consoleNamespace: Namespace | undefined;
  /** False while this process's feed reaches only its own sockets (cluster mode, Redis away). */
  private complete = true;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: {
      sessions: SocketSessions;
      alerts: Channel<AlertUpdate>;
      notices: Channel<DispatchNotice>;
      logger: Logger;
    },
  ) {}

  /**
   * socket.io on the hub's HTTP server; it leaves other upgrades (MQTT at /mqtt) alone. With an
   * adapter (cluster mode) its rooms span every hub process.
   */
  attach(server: HttpServer, adapter?: ServerOptions['adapter']): Server {
    const io = new Server(server, {
      destroyUpgrade: false,
      serveClient: true,
      cors: { origin: false },
      ...(adapter && { adapter }),
    });
    const namespace = io.of('/console');
    this.deps.sessions.guard(namespace, (user) => user.role !== 'responder');
    namespace.on('connection', (socket) => {
      const user = socket.data.user as SignedInUser;
      socket.join(user.orgUnitId ? unitRoom(user.orgUnitId) : hubRoom);
      if (!this.complete) socket.emit('feeds', { complete: false });
      // The console only listens here: whatever it sends is answered as unknown.
      answerUnknownEvents(socket);
    });
    this.unsubscribe = this.deps.alerts.subscribe((update) => this.announce(update));
    this.deps.notices.subscribe((notice) => {
      // The last steps of a ladder: nobody accepted, people must act (the family's users hear it too).
      if (notice.type === 'escalation') {
        this.toPath(notice.orgUnitPath).emit('escalation', {
          alert: notice.alert,
          to: notice.to,
          step: notice.step,
          reason: notice.reason ?? 'no_answer',
        });
      }
    });
    this.io = io;
    this.consoleNamespace = namespace;
    return io;
  }

  private announce({ alert, orgUnitPath }: AlertUpdate): void {
    this.toPath(orgUnitPath).emit('alert', alert);
  }

  /** Every org unit on the path hears it, and so does the whole-hub room. */
  private toPath(orgUnitPath: string) {
    const rooms = orgUnitPath.split('/').filter(Boolean).map(unitRoom);
    return this.consoleNamespace!.to([hubRoom, ...rooms]);
  }

  /**
   * Cluster mode: whether this process's consoles hear every process's changes. While not, they say
   * so (`feeds` `{complete: false}`); once again, they reload what they missed (`{complete: true}`).
   */
  feedsComplete(complete: boolean): void {
    this.complete = complete;
    this.consoleNamespace?.local.emit('feeds', { complete });
  }

  /** Drops the sockets; the HTTP server itself is closed by its owner. */
  close(): void {
    this.unsubscribe?.();
    this.io?.disconnectSockets(true);
    this.io?.engine.close();
  }
}
