import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { HttpUpgrade, Stage } from '../kernel/stage.js';

/**
 * The HTTP port as a stage: the API, and what is upgraded on it (socket.io feeds, MQTT over
 * WebSocket). Started last, so that nothing is taken in before the stages behind it run;
 * stopped first, its upgraded connections dropped so that they do not hold the server open.
 */
export class HttpServer implements Stage {
  private port = 0;

  constructor(
    private readonly deps: {
      app: FastifyInstance;
      host: string;
      port: number;
      upgrades: HttpUpgrade[];
    },
  ) {
    for (const upgrade of deps.upgrades) upgrade.attach(deps.app.server);
    // An upgrade nobody takes would hold its socket (and a file descriptor) for ever: closed at once.
    const paths = deps.upgrades.flatMap((u) => u.paths);
    deps.app.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
      const path = request.url?.split('?')[0] ?? '';
      if (!paths.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)))) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        socket.destroy();
      }
    });
  }

  /** Where it listens (the port resolved when 0 was asked for). */
  get address(): number {
    return this.port;
  }

  async start(): Promise<void> {
    const { app, host, port } = this.deps;
    await app.listen({ host, port, backlog: 4096 });
    const address = app.server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
  }

  async stop(): Promise<void> {
    for (const upgrade of this.deps.upgrades) upgrade.close();
    await this.deps.app.close();
  }
}
