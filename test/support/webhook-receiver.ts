import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  delivery: string;
  body: string;
  timestamp: string;
  signature: string;
  /** Whether the signature checked out as a district's receiver checks it (README, "Notice webhook"). */
  signed: boolean;
  /** What this receiver answered. */
  status: number;
}

/**
 * A district's webhook receiver on 127.0.0.1: checks each POST's signature with its own copy of the
 * secret, written from the README's description (not the hub's code), and answers with the next of
 * `answers` (then 200).
 */
export class WebhookReceiver {
  readonly received: ReceivedNotice[] = [];
  answers: number[] = [];
  private constructor(
    private readonly server: Server,
    private readonly secret: string,
  ) {}

  static async start(secret: string, port = 0): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, secret);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = receiver.answers.shift() ?? 200;
        const timestamp = String(req.headers['x-yiyang-timestamp']);
        const signature = String(req.headers['x-yiyang-signature']);
        receiver.received.push({
          delivery: String(req.headers['x-yiyang-delivery']),
          body,
          timestamp,
          signature,
          signed: receiver.verify(timestamp, body, signature),
          status,
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/notices`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** HMAC-SHA256 of `<timestamp>.<body>`, sent as `sha256=<hex>`; a timestamp within 5 minutes of now. */
  verify(timestamp: string, body: string, signature: string): boolean {
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > 5 * 60_000) return false;
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${body}`).digest('hex')}`,
    );
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The bodies taken (2xx) of one type, parsed. */
  taken(type: string): Array<Record<string, unknown> & { delivery: string }> {
    return this.received
      .filter((r) => r.status < 300)
      .map((r) => ({ ...(JSON.parse(r.body) as Record<string, unknown>), delivery: r.delivery }))
      .filter((b) => (b as Record<string, unknown>).type === type);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
