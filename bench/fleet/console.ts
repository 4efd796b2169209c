/** A specialist signed in at the console (socket.io, `/console`): when each SOS alert reached them. */
import { io, type Socket } from 'socket.io-client';
import { liveTransports } from '../../console/app/socket-options.js';
import type { HubProcess } from '../lib/hub-process.js';
import { sleep } from '../lib/processes.js';
// The clock the load processes stamp each event's publish with.
import { now } from '../lib/stats.js';

/** A specialist's console: when each SOS alert (by its event id) first arrived. */
export interface Console {
  socket: Socket;
  seen: Map<string, number>;
  /** Resolves when all of `ids` have arrived, or after `timeoutMs`. */
  waitFor(ids: string[], timeoutMs: number): Promise<void>;
}

export async function openConsole(
  hub: HubProcess,
  specialist: { username: string; password: string },
): Promise<Console> {
  const response = await fetch(`${hub.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(specialist),
  });
  if (response.status !== 200)
    throw new Error(`specialist login: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  // As the console opens it: WebSocket first, which stays on the hub process that took it (HUB_PROCESSES).
  const socket = io(`${hub.httpUrl}/console`, { auth: { token }, ...liveTransports });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const seen = new Map<string, number>();
  socket.on('alert', (alert: { kind?: string; details?: { event_id?: string } }) => {
    const id = alert.details?.event_id;
    if (alert.kind === 'sos' && id && !seen.has(id)) seen.set(id, now());
  });
  return {
    socket,
    seen,
    async waitFor(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && ids.some((id) => !seen.has(id))) await sleep(50);
    },
  };
}
