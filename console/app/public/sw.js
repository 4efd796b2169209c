/**
 * The responder app's service worker. It keeps the app shell (the page, its hashed assets, the
 * icons) so the app opens without the network and says it is offline instead of a blank page, and
 * it shows the hub's Web Push messages (dispatch/push/push-messages.ts) while the app is closed: an
 * offer stays until answered, vibrates and sounds again when it changes; a tap opens the offer.
 * The API and the live socket are never cached: what they say must be current.
 */
const shell = 'yiyang-shell-v1';
const fixed = ['/manifest.webmanifest', '/icons/icon-192.png', '/icons/apple-touch-icon.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(shell);
      const page = await fetch('/', { cache: 'no-cache' });
      // The built page names its hashed scripts and styles: they are the shell too.
      const assets = [...(await page.clone().text()).matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(
        (m) => m[1],
      );
      await cache.put('/', page);
      await cache.addAll([...fixed, ...assets]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== shell) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

const live = /^\/(api|socket\.io|docs|metrics|healthz|readyz)(\/|$)/;

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || live.test(url.pathname))
    return;
  if (event.request.mode === 'navigate') {
    // The page from the network when there is one (a new build), else the kept shell.
    event.respondWith(
      (async () => {
        try {
          const fresh = await fetch(event.request);
          if (fresh.ok && url.pathname === '/') await (await caches.open(shell)).put('/', fresh.clone());
          return fresh;
        } catch {
          // The shell, whose own script says the hub cannot be reached (main.ts, offlineNotice).
          return (await caches.match('/')) ?? Response.error();
        }
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const kept = await caches.match(event.request);
      if (kept) return kept;
      const fresh = await fetch(event.request);
      if (fresh.ok && url.pathname.startsWith('/assets/'))
        await (await caches.open(shell)).put(event.request, fresh.clone());
      return fresh;
    })(),
  );
});

self.addEventListener('push', (event) => {
  let message;
  try {
    message = event.data.json();
  } catch {
    return;
  }
  const critical = message.critical === true;
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      data: { url: message.url, type: message.type, offer_id: message.offer_id ?? null },
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      lang: 'zh-CN',
      // An offer is a call for help: it stays until answered, and buzzes again when replaced.
      requireInteraction: critical,
      renotify: critical,
      silent: false,
      vibrate: critical ? [500, 200, 500, 200, 500] : [200],
      timestamp: Date.now(),
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url ?? '/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      // The app already open: it goes to the offer; otherwise it is opened there.
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const app = open.find((c) => new URL(c.url).origin === self.location.origin);
      if (app) {
        await app.navigate(target).catch(() => undefined);
        return app.focus();
      }
      return self.clients.openWindow(target);
    })(),
  );
});
