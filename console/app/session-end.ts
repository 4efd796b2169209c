import type { Socket } from 'socket.io-client';

/**
 * The hub drops a live socket whose session ended — expired, signed out elsewhere, the account's unit changed
 * (`io server disconnect`) — and refuses a reconnect with an ended token (`unauthorized`). Either way the
 * page must go back to sign-in rather than reconnect forever behind a "reconnecting" badge.
 */
export function onSessionEnd(socket: Socket, ended: () => void): void {
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') ended();
  });
  socket.on('connect_error', (error) => {
    if (error.message === 'unauthorized') ended();
  });
}
