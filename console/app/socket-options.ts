import type { ManagerOptions } from 'socket.io-client';

/**
 * How the console and the phone open their live connection: WebSocket first — one TCP connection,
 * which stays on the hub process that took it when several share the port (HUB_PROCESSES) — and
 * HTTP long-polling only where a network lets no WebSocket through (its requests must then all reach
 * one process: a balancer's sticky cookie, docs/deploy.md § 6).
 */
export const liveTransports: Pick<ManagerOptions, 'transports' | 'tryAllTransports'> = {
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
};
