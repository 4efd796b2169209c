import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AlertUpdate } from '../alerts/alert-book.js';
import type { DeviceCatalog } from '../devices/catalog.js';
import type { Dispatcher, DispatchNotice } from '../dispatch/dispatcher.js';
import type { Channel } from '../kernel/channel.js';
import type { TokenCheck } from '../kernel/identity.js';
import { type HttpUpgrade, routeSet } from '../kernel/stage.js';
import type { Database } from '../store/database.js';
import { boardRoutes } from './board-routes.js';
import { consoleConfigRoutes } from './config-routes.js';
import { ConsoleFeed } from './live-feed.js';
import { ResponderFeed } from './responder-feed.js';

/** The console's and the responder app's server side: live feeds over socket.io, boards, settings. */
export function consoleDomain(deps: {
  db: Database;
  accounts: TokenCheck;
  updates: Channel<AlertUpdate>;
  notices: Channel<DispatchNotice>;
  dispatcher: Dispatcher;
  log: (component: string) => Logger;
  mapTileUrl: string | undefined;
  catalog: DeviceCatalog;
}) {
  const { accounts, notices } = deps;
  const consoleFeed = new ConsoleFeed({
    accounts,
    alerts: deps.updates,
    notices,
    logger: deps.log('console'),
  });
  const responderFeed = new ResponderFeed({
    accounts,
    dispatcher: deps.dispatcher,
    notices,
    logger: deps.log('responders'),
  });
  const feeds: HttpUpgrade = {
    attach(server: Server) {
      responderFeed.attach(consoleFeed.attach(server));
    },
    close() {
      responderFeed.close();
      consoleFeed.close();
    },
  };
  return {
    feeds,
    stages: {},
    routes: [
      routeSet('/api/v1', boardRoutes, { db: deps.db }),
      routeSet('/api/v1/console', consoleConfigRoutes, {
        mapTileUrl: deps.mapTileUrl,
        catalog: deps.catalog,
      }),
    ],
  };
}
