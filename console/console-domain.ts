import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AlertUpdate } from '../alerts/alert-book.js';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { Dispatcher, DispatchNotice } from '../dispatch/dispatcher.js';
import type { Channel } from '../kernel/channel.js';
import type { SessionEnds, TokenCheck } from '../kernel/identity.js';
import { type HttpUpgrade, routeSet } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import { boardRoutes } from './board-routes.js';
import { consoleConfigRoutes } from './config-routes.js';
import { FeedAdapter } from './feed-adapter.js';
import { ConsoleFeed } from './live-feed.js';
import { ResponderFeed } from './responder-feed.js';
import { type SignedInSockets, SocketSessions } from './socket-sessions.js';

/** The console's and the responder app's server side: live feeds over socket.io, boards, settings. */
export function consoleDomain(deps: {
  db: Database;
  accounts: TokenCheck & SessionEnds;
  /** The district changed: users' rights may have. */
  districtChanged: { subscribe(listener: () => void): () => void };
  updates: Channel<AlertUpdate>;
  notices: Channel<DispatchNotice>;
  dispatcher: Dispatcher;
  log: (component: string) => Logger;
  now: () => number;
  mapTileUrl: string | undefined;
  /** The district's clock (TIMEBANK_UTC_OFFSET_MINUTES): the console shows every time in it. */
  utcOffsetMinutes: number;
  catalog: DeviceCatalog;
  /** Cluster mode: the feeds of every hub process are one (socket.io's Redis adapter). */
  redisUrl?: string | undefined;
}) {
  const { notices } = deps;
  const sessions = new SocketSessions({
    accounts: deps.accounts,
    sameRights: (before, now) =>
      before.username === now.username && before.role === now.role && before.scopePath === now.scopePath,
    recheckMs: 60_000,
    now: deps.now,
    onError: (error) => deps.log('console').error({ err: error }, 'socket sign-ins not rechecked'),
  });
  const consoleFeed = new ConsoleFeed({
    sessions,
    alerts: deps.updates,
    notices,
    logger: deps.log('console'),
  });
  const responderFeed = new ResponderFeed({
    sessions,
    dispatcher: deps.dispatcher,
    notices,
    logger: deps.log('responders'),
  });
  const adapter = deps.redisUrl
    ? new FeedAdapter(deps.redisUrl, deps.log('console'), (up) => consoleFeed.feedsComplete(up))
    : undefined;
  const feeds: HttpUpgrade = {
    paths: ['/socket.io/'],
    attach(server: Server) {
      responderFeed.attach(consoleFeed.attach(server, adapter?.adapter));
      sessions.start(deps.districtChanged);
    },
    close() {
      sessions.stop();
      responderFeed.close();
      consoleFeed.close();
      adapter?.close();
    },
  };
  return {
    feeds,
    /** Who has a live socket signed in (read only). */
    sockets: sessions as SignedInSockets,
    stages: {},
    routes: [
      routeSet('/api/v1', boardRoutes, {
        db: deps.db,
        availabilityOf: (state) => deps.dispatcher.availabilityOf(state),
      }),
      routeSet('/api/v1/console', consoleConfigRoutes, {
        mapTileUrl: deps.mapTileUrl,
        utcOffsetMinutes: deps.utcOffsetMinutes,
        catalog: deps.catalog,
      }),
    ],
  };
}
