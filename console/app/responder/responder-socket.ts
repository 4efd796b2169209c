import { io, type Socket } from 'socket.io-client';
import { onSessionEnd } from '../session-end';
import { liveTransports } from '../socket-options';
import type { Offer, Task } from '../types';

export type Answer = { ok: boolean; reason?: string; task?: Task; distance_m?: number };

/** The phone's live channel to the hub (`/responder`): offers in, answers out with acknowledgements. */
export class ResponderSocket {
  readonly socket: Socket;

  constructor(token: string, sessionEnded: () => void) {
    this.socket = io('/responder', { auth: { token }, ...liveTransports });
    onSessionEnd(this.socket, sessionEnded);
  }

  request(event: string, payload: unknown): Promise<Answer> {
    return this.socket.timeout(8000).emitWithAck(event, payload) as Promise<Answer>;
  }

  on(event: 'offer', listener: (offer: Offer) => void): void;
  on(event: 'offer:withdrawn', listener: (w: { offer_id: string; alert_id: string }) => void): void;
  on(event: 'task', listener: (task: Task) => void): void;
  on(event: 'duty', listener: (duty: { on_duty: boolean }) => void): void;
  on(event: 'task:closed', listener: (c: { alert_id: string }) => void): void;
  on(event: 'connect' | 'disconnect', listener: () => void): void;
  on(event: string, listener: (...args: never[]) => void): void {
    this.socket.on(event, listener as (...args: unknown[]) => void);
  }

  close(): void {
    this.socket.close();
  }
}
