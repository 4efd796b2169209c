import { ApiError } from '../api';
import type { AppContext } from '../context';
import { h } from '../dom';
import { formatTime, onLanguageChange, t, term } from '../i18n';
import type { Device, Elder } from '../types';
import { severityBadge, statusText } from './alert-row';
import { deviceHealthList } from './device-health';
import { familyServices } from './family-services';
import { languageButton } from './language-button';

/** A family user's page: their elder's devices and alerts, nothing else. */
export function familyScreen(
  root: HTMLElement,
  { api, store, me }: AppContext,
  signOut: () => void,
): () => void {
  let elders: Elder[] = [];
  let devices: Device[] | null = null;
  const main = h('main', { id: 'main', class: 'family' });
  // Kept across redraws: its forms hold what the person is typing.
  const services = familyServices(api, me.org_unit_id);

  const draw = () => {
    document.title = t('familyTitle');
    const alerts = [...store.alerts.values()].sort((a, b) => b.opened_at - a.opened_at).slice(0, 50);
    root.replaceChildren(
      h(
        'header',
        { class: 'top' },
        h('h1', {}, t('familyTitle')),
        h(
          'div',
          { class: 'tools' },
          languageButton(),
          h('span', { class: 'who' }, me.name ?? me.username),
          h('button', { type: 'button', onclick: signOut }, t('signOut')),
        ),
      ),
      main,
    );
    main.replaceChildren(
      h('p', { class: 'meta' }, t('familyIntro')),
      ...elders.map((e) =>
        h(
          'section',
          { class: 'card', 'aria-label': e.name },
          h('h2', {}, e.name),
          h('p', {}, e.address),
          h('h3', {}, t('devicesHealth')),
          // Device health needs GET /api/v1/devices for family users; until then the types alone.
          devices
            ? deviceHealthList(devices.filter((d) => d.elder_id === e.id))
            : h('ul', {}, ...e.devices.map((d) => h('li', {}, `${term('device', d.type)} ${d.id}`))),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'family-alerts' },
        h('h2', { id: 'family-alerts' }, t('recentAlerts')),
        alerts.length
          ? h(
              'ul',
              { class: 'family-alerts' },
              ...alerts.map((a) =>
                h(
                  'li',
                  { 'data-id': a.id },
                  severityBadge(a.severity),
                  ` ${term('kind', a.kind)} · ${formatTime(a.opened_at)} · `,
                  statusText(a),
                ),
              ),
            )
          : h('p', { class: 'empty' }, t('noAlerts')),
      ),
      services.element,
    );
  };

  const load = async () => {
    elders = await api.elders();
    await services.load(elders);
    devices = await api.devices().catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 403) return null;
      throw error;
    });
    draw();
  };
  draw();
  void load();
  const unsubscribe = store.subscribe(() => draw());
  const stopLanguage = onLanguageChange(() => {
    services.relabel();
    draw();
  });
  const timer = setInterval(() => void load().catch(() => undefined), 30_000);
  return () => {
    unsubscribe();
    stopLanguage();
    clearInterval(timer);
  };
}
