import type { Api } from '../api';
import { h } from '../dom';
import { currentLanguage, t } from '../i18n';

type PushState = 'unknown' | 'unsupported' | 'denied' | 'off' | 'on' | 'working';

/**
 * Web Push for the responder's offers: the service worker (public/sw.js) shows them while the app
 * is closed. Turning it on asks for the notification permission, subscribes with the hub's VAPID
 * key and hands the subscription to the hub; at every start a subscription this browser holds is
 * handed again (the hub may have dropped it, the language may have changed).
 */
export class PushCard {
  private state: PushState = 'unknown';
  private problem = '';

  constructor(
    private readonly api: Api,
    private readonly changed: () => void,
  ) {}

  /** What the browser holds now; a subscription it has is renewed at the hub. */
  async refresh(): Promise<void> {
    const registration = await this.registration();
    if (!registration) return this.set('unsupported');
    if (Notification.permission === 'denied') return this.set('denied');
    const held = await registration.pushManager.getSubscription();
    if (held && Notification.permission === 'granted') {
      await this.api.savePushSubscription(held.toJSON(), currentLanguage()).catch(() => undefined);
      return this.set('on');
    }
    this.set('off');
  }

  card(): HTMLElement {
    const line =
      this.state === 'on'
        ? h('p', { class: 'good', id: 'push-state' }, t('push.on'))
        : this.state === 'denied'
          ? h('p', { class: 'error', id: 'push-state' }, t('push.denied'))
          : this.state === 'unsupported'
            ? h('p', { class: 'meta', id: 'push-state' }, t('push.unsupported'))
            : h('p', { id: 'push-state' }, t('push.off'));
    const button =
      this.state === 'on'
        ? h(
            'button',
            { type: 'button', id: 'push-toggle', onclick: () => void this.turnOff() },
            t('push.disable'),
          )
        : this.state === 'off' || this.state === 'working'
          ? h(
              'button',
              {
                type: 'button',
                class: 'primary',
                id: 'push-toggle',
                disabled: this.state === 'working',
                onclick: () => void this.turnOn(),
              },
              t('push.enable'),
            )
          : null;
    return h(
      'section',
      { class: 'card push', 'aria-labelledby': 'push-title' },
      h('h2', { id: 'push-title' }, t('push.title')),
      line,
      this.state === 'on' ? null : h('p', { class: 'meta' }, t('push.explain')),
      button,
      this.problem
        ? h('p', { class: 'error', role: 'alert' }, t('push.failed', { reason: this.problem }))
        : null,
    );
  }

  private async turnOn(): Promise<void> {
    const registration = await this.registration();
    if (!registration) return this.set('unsupported');
    this.problem = '';
    this.set('working');
    try {
      if ((await Notification.requestPermission()) !== 'granted') return this.set('denied');
      const key = await this.api.pushPublicKey();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      });
      await this.api.savePushSubscription(subscription.toJSON(), currentLanguage());
      this.set('on');
    } catch (error) {
      this.problem = (error as Error).message;
      this.set('off');
    }
  }

  private async turnOff(): Promise<void> {
    const registration = await this.registration();
    const held = await registration?.pushManager.getSubscription();
    if (held) {
      await this.api.removePushSubscription(held.endpoint).catch(() => undefined);
      await held.unsubscribe();
    }
    this.set('off');
  }

  private async registration(): Promise<ServiceWorkerRegistration | undefined> {
    if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window))
      return undefined;
    return navigator.serviceWorker.ready;
  }

  private set(state: PushState): void {
    this.state = state;
    this.changed();
  }
}
