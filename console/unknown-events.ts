import type { Socket } from 'socket.io';

/**
 * Answers an event nobody on the socket listens to with `{ok:false, reason:'unknown_event'}`
 * through its acknowledgement, so that an app (or a typo in one) learns why at once instead of
 * waiting out its own timeout. Events with a listener are left to it.
 */
export function answerUnknownEvents(socket: Socket): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    if (socket.listenerCount(event) > 0) return;
    const ack = args.at(-1);
    if (typeof ack === 'function') ack({ ok: false, reason: 'unknown_event' });
  });
}
