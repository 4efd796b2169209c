import { arm, armed, beep, notify } from '../alarm';
import type { AppContext, Screen } from '../context';
import { h } from '../dom';
import { onLanguageChange, type TextKey, t, term } from '../i18n';
import { alertDetailScreen } from './alert-detail';
import { alertQueueScreen } from './alert-queue';
import { deviceBoardScreen } from './device-board';
import { districtMapScreen } from './district-map';
import { languageButton } from './language-button';
import { reportsScreen } from './reports/reports-screen';
import { responderBoardScreen } from './responder-board';
import { timebankScreen } from './timebank/timebank-screen';
import { toast } from './toast';
import { volunteerVettingScreen } from './volunteer-vetting';

const routes: Record<string, { screen: Screen; nav?: TextKey }> = {
  queue: { screen: alertQueueScreen, nav: 'navQueue' },
  map: { screen: districtMapScreen, nav: 'navMap' },
  devices: { screen: deviceBoardScreen, nav: 'navDevices' },
  responders: { screen: responderBoardScreen, nav: 'navResponders' },
  timebank: { screen: timebankScreen, nav: 'navTimebank' },
  reports: { screen: reportsScreen, nav: 'navReports' },
  volunteers: { screen: volunteerVettingScreen, nav: 'navVolunteers' },
  alert: { screen: alertDetailScreen },
};

/** The specialist console: header, navigation, and the screen named by the URL's hash. */
export function consoleShell(root: HTMLElement, context: AppContext, signOut: () => void): () => void {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const header = h('header', { class: 'top' });
  let stopScreen: (() => void) | undefined;
  let lastRoute = '';
  // Which community (or street, district) this console watches: several may be open side by side.
  const title = () =>
    context.me.org_unit_name ? `${t('appTitle')} · ${context.me.org_unit_name}` : t('appTitle');

  const route = (): [string, string | undefined] => {
    const [name = 'queue', param] = location.hash.replace(/^#\/?/, '').split('/');
    return [name in routes ? name : 'queue', param ? decodeURIComponent(param) : undefined];
  };

  const drawHeader = () => {
    const [current] = route();
    const connection = h('span', { class: 'connection', role: 'status' });
    const showConnection = () => {
      const { connected, partial } = context.store;
      connection.textContent = !connected
        ? `○ ${t('disconnected')}`
        : partial
          ? `◐ ${t('feedsPartial')}`
          : `● ${t('connected')}`;
      connection.dataset.up = String(connected && !partial);
    };
    showConnection();
    const alertsButton = h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(armed()),
        onclick: () => {
          arm();
          alertsButton.textContent = t('alertsEnabled');
          alertsButton.setAttribute('aria-pressed', 'true');
        },
      },
      armed() ? t('alertsEnabled') : t('enableAlerts'),
    );
    header.replaceChildren(
      h('h1', {}, title()),
      h(
        'nav',
        { 'aria-label': t('nav') },
        ...Object.entries(routes)
          .filter(([, r]) => r.nav)
          .map(([name, r]) =>
            h('a', { href: `#/${name}`, 'aria-current': name === current ? 'page' : null }, t(r.nav!)),
          ),
      ),
      h(
        'div',
        { class: 'tools' },
        connection,
        alertsButton,
        languageButton(),
        h('span', { class: 'who' }, context.me.name ?? context.me.username),
        h('button', { type: 'button', onclick: signOut }, t('signOut')),
      ),
    );
    return showConnection;
  };

  let showConnection = drawHeader();
  const draw = (focus: boolean) => {
    const [name, param] = route();
    stopScreen?.();
    document.title = title();
    showConnection = drawHeader();
    skip.textContent = t('skipToMain');
    stopScreen = routes[name]!.screen(main, context, param) ?? undefined;
    if (focus) main.focus({ preventScroll: false });
  };
  const onHash = () => {
    const next = location.hash;
    if (next === lastRoute) return;
    lastRoute = next;
    draw(true);
  };

  const skip = h('a', { class: 'skip', href: '#main', onclick: skipToMain });
  root.replaceChildren(skip, header, main, toastRegion());
  draw(false);
  lastRoute = location.hash;
  window.addEventListener('hashchange', onHash);
  const stopLanguage = onLanguageChange(() => draw(false));
  const stopConnection = context.store.onConnection(() => showConnection());

  // New critical alerts are announced wherever the specialist is in the console.
  const stopAlarms = context.store.subscribe(({ fresh }) => {
    for (const id of fresh) {
      const alert = context.store.alerts.get(id);
      if (alert?.severity !== 'critical') continue;
      const body = `${term('kind', alert.kind)} · ${alert.elder_name ?? alert.device_id ?? ''}`;
      beep();
      notify(t('newCritical'), body, () => {
        location.hash = `#/alert/${encodeURIComponent(alert.id)}`;
      });
      toast(t('newCriticalToast', { body }), 'critical');
    }
  });
  // One toast and one tone per escalation: the family's copy of it (to: 'family') and a repeat
  // after a reconnect are the same news.
  const told = new Set<string>();
  const stopEscalations = context.store.onEscalation(({ alert, reason, to, step }) => {
    const key = `${alert.id}:${alert.updated_at}:${step}:${reason}`;
    if (to !== 'console' || told.has(key)) return;
    told.add(key);
    beep(2);
    const words = { kind: term('kind', alert.kind), elder: alert.elder_name ?? '' };
    toast(t(reason === 'no_answer' ? 'escalated' : 'taskReturned', words), 'critical');
  });

  return () => {
    stopScreen?.();
    window.removeEventListener('hashchange', onHash);
    stopLanguage();
    stopConnection();
    stopAlarms();
    stopEscalations();
  };
}

/** The skip link moves focus without touching the hash (the hash is the router's). */
function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function toastRegion(): HTMLElement {
  return h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'assertive' });
}
