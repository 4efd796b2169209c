import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePolicy, docsPolicy } from '../hub/security-headers.js';
import { startTestHub, type TestHub } from './support/hub.js';

/** `content-security-policy` as directive → sources. */
function directives(header: string | string[] | number | undefined): Map<string, string[]> {
  return new Map(
    String(header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('[SECURITY-HEADERS] helmet on every answer', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub({ config: { mapTileUrl: 'https://tiles.example:8443/{z}/{x}/{y}.png' } });
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  const common = (headers: Record<string, unknown>) => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['x-powered-by']).toBeUndefined();
  };

  it('[CSP-CONSOLE] the console page: scripts, styles and connections from the hub only; no framing; tiles from MAP_TILE_URL', async () => {
    const page = await hub.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    common(page.headers);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('script-src-attr')).toEqual(["'none'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]); // socket.io's ws:/wss: to the same host
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'https://tiles.example:8443']);
    // Plain HTTP behind a TLS proxy: requests are not upgraded by the hub.
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    // Inline style attributes only (ECharts' tooltips); never inline script or <style>.
    expect(csp.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
    for (const [name, sources] of csp)
      if (name !== 'style-src-attr') expect(sources, name).not.toContain("'unsafe-inline'");
    for (const [name, sources] of csp) expect(sources, name).not.toContain("'unsafe-eval'");
  });

  it('[CSP-API] an API answer, refusal or not, carries the same headers', async () => {
    const refused = await hub.app.inject({ url: '/api/v1/alerts' });
    expect(refused.statusCode).toBe(401);
    common(refused.headers);
    expect(directives(refused.headers['content-security-policy']).get('frame-ancestors')).toEqual(["'none'"]);
    const answered = await hub.app.inject({
      url: '/api/v1/console/config',
      headers: hub.as(hub.adminToken),
    });
    expect(answered.statusCode).toBe(200);
    common(answered.headers);
    expect(directives(answered.headers['content-security-policy']).get('default-src')).toEqual(["'self'"]);
    const missing = await hub.app.inject({ url: '/api/v1/no-such-route' });
    expect(missing.statusCode).toBe(404);
    common(missing.headers);
  });

  it('[CSP-DOCS] Swagger UI keeps its own policy (its inline hashes) on /docs only, never framed', async () => {
    const docs = await hub.app.inject({ url: '/docs' });
    expect(docs.statusCode).toBe(200);
    common(docs.headers);
    const csp = directives(docs.headers['content-security-policy']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp.get('img-src')).not.toContain('validator.swagger.io');
    // The console's policy is not relaxed by the docs'.
    const page = await hub.app.inject({ url: '/' });
    expect(directives(page.headers['content-security-policy']).get('style-src')).toEqual(["'self'"]);
  });

  it('[CSP-TILES] only a tile template that is a URL adds an origin', () => {
    expect(consolePolicy(undefined)['img-src']).toEqual(["'self'", 'data:']);
    expect(consolePolicy('not a url {z}')['img-src']).toEqual(["'self'", 'data:']);
    expect(consolePolicy('http://127.0.0.1:9000/{z}/{x}/{y}.svg')['img-src']).toContain(
      'http://127.0.0.1:9000',
    );
    expect(
      docsPolicy(
        "default-src 'self'; frame-ancestors 'self'; img-src 'self' data: validator.swagger.io; style-src 'self' https: ; upgrade-insecure-requests;",
      ),
    ).toBe(
      "default-src 'self'; frame-ancestors 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline';",
    );
  });
});
