import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The console's Content-Security-Policy: everything from the hub itself. The app is Vite-built
 * modules and one stylesheet (no inline script, no `<style>`); socket.io talks to the same origin
 * (`'self'` covers ws:/wss: there); ECharts and the map mostly style through the CSSOM, which a
 * policy does not restrict. ECharts' tooltips are HTML with `style="…"` attributes: those (and
 * only attributes, never `<style>` or script) are allowed, or every tooltip would be refused
 * (test/browser/csp.test.ts). Only the map's tiles may come from elsewhere: `MAP_TILE_URL`'s origin.
 */
export function consolePolicy(mapTileUrl?: string): Record<string, string[]> {
  const tiles = tileOrigin(mapTileUrl);
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'form-action': ["'self'"],
    // Nobody may frame the console (clickjacking an "assign" or "resolve" button).
    'frame-ancestors': ["'none'"],
    'img-src': ["'self'", 'data:', ...(tiles ? [tiles] : [])],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'style-src-attr': ["'unsafe-inline'"],
    // The responder app's service worker (/sw.js) and manifest: from the hub only.
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
  };
}

/** `https://tiles.example/{z}/{x}/{y}.png` → `https://tiles.example` (null: none or not a URL). */
function tileOrigin(template: string | undefined): string | null {
  if (!template) return null;
  try {
    const origin = new URL(template.replace(/\{[xyz]\}/g, '0')).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Security headers on every answer (helmet): the console's policy above, no MIME sniffing, no
 * framing, no referrer. The hub is plain HTTP behind a TLS proxy, so requests are not upgraded
 * here; HSTS tells browsers that reached it over HTTPS to stay there (not for sibling hosts).
 */
export async function securityHeaders(app: FastifyInstance, options: { mapTileUrl?: string | undefined }) {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: consolePolicy(options.mapTileUrl),
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
}

/**
 * Swagger UI (`/docs`): @fastify/swagger-ui's policy (its inline scripts by hash), on its routes
 * only, without `upgrade-insecure-requests` (the hub is plain HTTP here), with the console's
 * framing rule, no third-party validator badge, and the inline `<style>` Swagger UI injects
 * (test/browser/csp.test.ts): a relaxation the console's own policy does not get.
 */
export function docsPolicy(policy: string): string {
  return policy
    .replace(/upgrade-insecure-requests;?/, '')
    .replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'")
    .replace(/ validator\.swagger\.io/, '')
    .replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'")
    .replace(/\s+;/g, ';')
    .trim();
}

/** Swagger UI's settings: no schema validator on a third-party host (it would learn the API's address). */
export const docsUiConfig = { validatorUrl: null };
