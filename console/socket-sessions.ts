import type { Namespace, Socket } from 'socket.io';
import { type SessionEnds, type SignedInUser, type TokenCheck, tokenDigest } from '../kernel/identity.js';

/** Who has a live socket signed in, by username. */
export type SignedInSockets = Pick<SocketSessions, 'signedIn'>;

/** Who a socket was let in as, and with which token (kept only as its digest). */
interface Session {
  user: SignedInUser;
  token: string;
  digest: string;
  expiry: NodeJS.Timeout | undefined;
}

/**
 * A socket lives no longer than the sign-in it was opened with: it is dropped when the token
 * expires, at a logout, and when a check finds the user's rights changed (the district changed,
 * or every `recheckMs` for changes made on another node).
 */
export class SocketSessions {
  private readonly sessions = new Map<Socket, Session>();
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly deps: {
      accounts: TokenCheck & SessionEnds;
      /** Still let in as it was? (the role a namespace takes, the same unit) */
      sameRights: (before: SignedInUser, now: SignedInUser) => boolean;
      recheckMs: number;
      /** The hub's clock, which sign-ins expire by. */
      now: () => number;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Lets in only a token's user that `admit` accepts; remembers the socket's sign-in. */
  guard(namespace: Namespace, admit: (user: SignedInUser) => boolean): void {
    namespace.use((socket, next) => {
      const token: unknown = (socket.handshake.auth as { token?: unknown }).token;
      // Not a string (a number, an object): refused here, not handed to the hash, whose error text
      // once reached the client. A fault of the hub's own stays in its log.
      if (typeof token !== 'string' || !token) return next(new Error('unauthorized'));
      this.deps.accounts.authenticate(token).then(
        (user) => {
          if (!user || !admit(user)) return next(new Error('unauthorized'));
          socket.data.user = user;
          this.track(socket, user, token);
          next();
        },
        (error: unknown) => {
          this.deps.onError(error);
          next(new Error('unavailable'));
        },
      );
    });
  }

  start(recheckAlso?: { subscribe(listener: () => void): () => void }): void {
    this.stops.push(
      this.deps.accounts.sessionsEnded.subscribe((digest) => {
        for (const [socket, session] of this.sessions) if (session.digest === digest) this.drop(socket);
      }),
    );
    if (recheckAlso) this.stops.push(recheckAlso.subscribe(() => void this.recheck()));
    const timer = setInterval(() => void this.recheck(), this.deps.recheckMs);
    timer.unref();
    this.stops.push(() => clearInterval(timer));
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const session of this.sessions.values()) clearTimeout(session.expiry);
    this.sessions.clear();
  }

  /**
   * How many sockets are signed in as `username` now, leaving out the socket `exceptId` (the
   * asker's own): a person using the app beside a simulated one (the demo's phones stand down).
   */
  signedIn(username: string, exceptId?: string): number {
    let count = 0;
    for (const [socket, session] of this.sessions)
      if (session.user.username === username && socket.id !== exceptId) count += 1;
    return count;
  }

  /** Asks again for every socket's user; drops those signed out, expired or with other rights. */
  async recheck(): Promise<void> {
    try {
      for (const [socket, session] of [...this.sessions]) {
        const now = await this.deps.accounts.authenticate(session.token);
        if (!now || !this.deps.sameRights(session.user, now)) this.drop(socket);
      }
    } catch (error) {
      this.deps.onError(error);
    }
  }

  private track(socket: Socket, user: SignedInUser, token: string): void {
    const left = (user.sessionExpiresAt ?? Number.POSITIVE_INFINITY) - this.deps.now();
    const session: Session = {
      user,
      token,
      digest: tokenDigest(token),
      // setTimeout holds at most ~24.8 days; longer sign-ins are caught by the recheck.
      expiry:
        Number.isFinite(left) && left < 2 ** 31 - 1
          ? setTimeout(() => this.drop(socket), Math.max(0, left))
          : undefined,
    };
    session.expiry?.unref();
    this.sessions.set(socket, session);
    socket.on('disconnect', () => {
      clearTimeout(session.expiry);
      this.sessions.delete(socket);
    });
  }

  private drop(socket: Socket): void {
    const session = this.sessions.get(socket);
    if (session) clearTimeout(session.expiry);
    this.sessions.delete(socket);
    // The app sees the reason `io server disconnect`: it signs in again rather than reconnect.
    socket.disconnect(true);
  }
}
