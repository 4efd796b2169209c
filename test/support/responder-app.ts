import { io, type Socket } from 'socket.io-client';
import type { OfferView } from '../../dispatch/dispatch-notices.js';

/** A responder's phone: the `/responder` socket, the offers it received, and its requests. */
export class ResponderApp {
  readonly offers: OfferView[] = [];
  readonly withdrawn: string[] = [];
  readonly closed: string[] = [];
  readonly received: Array<{ event: string; payload: unknown }> = [];

  private constructor(private readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => this.received.push({ event, payload }));
    socket.on('offer', (o: OfferView) => this.offers.push(o));
    socket.on('offer:withdrawn', (w: { offer_id: string }) => this.withdrawn.push(w.offer_id));
    socket.on('task:closed', (t: { alert_id: string }) => this.closed.push(t.alert_id));
  }

  static async open(httpPort: number, token: string): Promise<ResponderApp> {
    const socket = io(`http://127.0.0.1:${httpPort}/responder`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
    });
    // Listening at once (the connection is only made later, off this tick): what the hub sends at
    // connect (open offers, the task) can come in the same read as the connect itself.
    const app = new ResponderApp(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return app;
  }

  request<T = { ok: boolean; reason?: string; task?: unknown }>(event: string, payload: unknown): Promise<T> {
    return this.socket.timeout(5000).emitWithAck(event, payload) as Promise<T>;
  }

  /**
   * Takes the next offer the moment it arrives, as a quick person would (a poll would give a slower
   * responder's phone the lead): the offer and the hub's answer. Rejects when none comes in `timeoutMs`.
   */
  acceptNext(timeoutMs = 5000): Promise<{ offer: OfferView; answer: { ok: boolean; reason?: string } }> {
    return new Promise((resolve, reject) => {
      const take = (offer: OfferView) => {
        clearTimeout(timer);
        this.socket.off('offer', take);
        this.request('offer:accept', { offer_id: offer.offer_id }).then(
          (answer) => resolve({ offer, answer }),
          reject,
        );
      };
      const timer = setTimeout(() => {
        this.socket.off('offer', take);
        reject(new Error(`no offer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.socket.on('offer', take);
    });
  }

  async onDutyAt(lat: number, lon: number): Promise<void> {
    await this.request('duty', { on_duty: true });
    await this.request('location', { lat, lon });
  }

  close(): void {
    this.socket.close();
  }
}
