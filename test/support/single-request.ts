import http from 'node:http';
import https from 'node:https';

export interface SingleAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP(S) request on a connection of its own (trusting `ca`): behind a proxy or with several hub
 * processes on a port, which hub answers may depend on the connection. An error after 5 s without an answer.
 */
export function singleRequest(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; ca?: string } = {},
): Promise<SingleAnswer> {
  const client = url.startsWith('https:') ? https : http;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 5 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
