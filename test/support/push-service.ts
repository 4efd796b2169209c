import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './certificate.js';

/** One push as the push service received it, checked and decrypted as a browser would. */
export interface ReceivedPush {
  /** The subscription's path, `/push/<id>`. */
  path: string;
  /** The VAPID JWT verified against the key it names (`k=`), with its claims. */
  vapid: { verified: boolean; key: string; claims: { aud?: string; exp?: number; sub?: string } };
  urgency: string | undefined;
  ttl: number;
  /** The plaintext (RFC 8291 aes128gcm, decrypted with the subscription's own keys). */
  plaintext: string;
  /** What this push service answered. */
  status: number;
}

interface Subscriber {
  ecdh: ECDH;
  auth: Buffer;
}

/**
 * A push service on 127.0.0.1 over HTTPS (its own self-signed certificate: `caFile` is what the hub
 * trusts for it), written from RFC 8291 and RFC 8292, not from web-push: each POST's VAPID JWT is
 * verified (ES256) and its aes128gcm body decrypted with the keys of the subscription `subscribe()`
 * made, as a browser would. It answers with the next of `answers` (then 201), and hands each
 * decrypted push to `onPush` (a browser test passes it on to the service worker).
 */
export class LocalPushService {
  readonly received: ReceivedPush[] = [];
  answers: number[] = [];
  onPush: ((push: ReceivedPush) => void | Promise<void>) | undefined;
  private readonly subscribers = new Map<string, Subscriber>();

  private constructor(
    private readonly server: Server,
    readonly caFile: string,
  ) {}

  static async start(): Promise<LocalPushService> {
    const { cert, key } = selfSignedCertificate();
    const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) });
    const service = new LocalPushService(server, cert);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        const subscriber = service.subscribers.get(path);
        if (req.method !== 'POST' || !subscriber) {
          res.writeHead(404).end();
          return;
        }
        const status = service.answers.shift() ?? 201;
        const push: ReceivedPush = {
          path,
          vapid: checkVapid(String(req.headers.authorization ?? '')),
          urgency: req.headers.urgency as string | undefined,
          ttl: Number(req.headers.ttl),
          plaintext:
            req.headers['content-encoding'] === 'aes128gcm'
              ? decrypt(Buffer.concat(chunks), subscriber)
              : `(not aes128gcm: ${req.headers['content-encoding']})`,
          status,
        };
        service.received.push(push);
        res.writeHead(status).end();
        if (status < 300) void service.onPush?.(push);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return service;
  }

  get origin(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new browser's subscription (`PushSubscription.toJSON()`): its keys stay here to decrypt. */
  subscribe(): { endpoint: string; keys: { p256dh: string; auth: string } } {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const path = `/push/${randomBytes(9).toString('base64url')}`;
    this.subscribers.set(path, { ecdh, auth });
    return {
      endpoint: `${this.origin}${path}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `vapid t=<JWT>, k=<public key>` (RFC 8292 §3): the ES256 signature checked against `k`. */
function checkVapid(header: string): ReceivedPush['vapid'] {
  const t = /t=([^,\s]+)/.exec(header)?.[1] ?? '';
  const k = /k=([^,\s]+)/.exec(header)?.[1] ?? '';
  const [head = '', body = '', signature = ''] = t.split('.');
  let claims: ReceivedPush['vapid']['claims'] = {};
  let verified = false;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const point = Buffer.from(k, 'base64url');
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
    const alg = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')).alg;
    verified =
      alg === 'ES256' &&
      verify(
        'sha256',
        Buffer.from(`${head}.${body}`),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
  } catch {
    verified = false;
  }
  return { verified, key: k, claims };
}

/** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, decrypted with the subscription's keys. */
function decrypt(body: Buffer, { ecdh, auth }: Subscriber): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends in 0x02 and zero padding.
  const end = padded.lastIndexOf(2);
  return padded.subarray(0, end).toString('utf8');
}
