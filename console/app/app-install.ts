import { h } from './dom';
import { t } from './i18n';

/**
 * The installed app's side in the page: the service worker (public/sw.js) that keeps the app
 * shell for offline starts and shows pushed offers, and a banner while the network is gone.
 */
export function installApp(): void {
  if ('serviceWorker' in navigator) {
    // Not awaited: the app works without it (an old browser, a private window), only less.
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  }
  const banner = h('p', { class: 'offline-banner', id: 'offline-banner', role: 'status', hidden: true });
  document.body.prepend(banner);
  const show = () => {
    banner.hidden = navigator.onLine;
    banner.textContent = t('push.offlineBanner');
  };
  window.addEventListener('online', show);
  window.addEventListener('offline', show);
  show();
}

/** The page a start without the hub shows (offline): what is wrong, retried when the network is back. */
export function offlineNotice(root: HTMLElement, retry: () => void): void {
  root.replaceChildren(
    h('p', { class: 'card offline-notice', id: 'offline-notice', role: 'alert' }, t('push.offlineNotice')),
  );
  window.addEventListener('online', retry, { once: true });
}
