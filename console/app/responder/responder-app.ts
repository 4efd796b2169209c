import { arm, beep, vibrate } from '../alarm';
import type { Api } from '../api';
import { announce, h } from '../dom';
import { onLanguageChange, t, term } from '../i18n';
import type { Me, Offer, Task } from '../types';
import { languageButton } from '../views/language-button';
import { LocationShare, parsePosition } from './location';
import { myServicesPanel } from './my-services';
import { navigationLinks } from './navigation';
import { offerOrder } from './offer-order';
import { OnSiteFacts } from './on-site-facts';
import { PushCard } from './push-card';
import { ResponderSocket } from './responder-socket';
import { creditsPanel, redeemPanel, requestsPanel } from './volunteer-panels';

type Tab = 'tasks' | 'requests' | 'credits' | 'redeem' | 'mine';
const tabs: Array<[Tab, Parameters<typeof t>[0]]> = [
  ['tasks', 'tabTasks'],
  ['requests', 'tabRequests'],
  ['credits', 'tabCredits'],
  ['redeem', 'tabRedeem'],
  ['mine', 'tabMine'],
];

const reasons: Record<string, Parameters<typeof t>[0]> = {
  taken: 'taken',
  not_pending: 'notPending',
  not_found: 'notPending',
  busy: 'busyReason',
};

/**
 * The responder's phone app: duty, location, offers (sound and vibration), accept or
 * decline, the task with a navigation link, check in on arrival; and, in tabs, the time
 * bank's service requests, the volunteer's credits and history, and redemption.
 */
export function responderApp(
  root: HTMLElement,
  { me, token, api }: { me: Me; token: string; api: Api },
  signOut: () => void,
  sessionEnded: () => void,
): () => void {
  const socket = new ResponderSocket(token, sessionEnded);
  const offers = new Map<string, Offer>();
  let task: Task | undefined;
  const onSite = new OnSiteFacts(api, () => draw());
  const push = new PushCard(api, () => draw());
  void push.refresh();
  // A pushed offer's tap opens `#/offer/<id>`: that offer is shown first, or why it is gone.
  let opened = /^#\/offer\/(.+)$/.exec(window.location.hash)?.[1];
  if (opened) opened = decodeURIComponent(opened);
  // The hub's word, sent at every connect: not what this phone remembers (another phone, a reload,
  // a hand assignment may have changed it). Unknown until the hub has said.
  let onDuty: boolean | undefined;
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const location = new LocationShare(async (p) => {
    const answer = await socket.request('location', p);
    if (answer.ok) announce(status, t('locationSent'));
  });
  // A failed geolocation says so on the card too (it must not keep saying "sharing").
  const shareLocation = () => {
    if (location.sharing) return;
    location.start(
      () => {
        announce(status, t('noGeolocation'), 'error');
        draw();
      },
      () => draw(),
    );
  };

  const setDuty = async (next: boolean) => {
    arm(); // the tap that puts someone on duty also allows the offer sound
    const answer = await socket.request('duty', { on_duty: next });
    if (!answer.ok) return announce(status, t('failed', { reason: answer.reason ?? '' }), 'error');
    onDuty = next;
    if (next) shareLocation();
    draw();
  };

  const respond = async (offer: Offer, accept: boolean) => {
    const answer = await socket.request(accept ? 'offer:accept' : 'offer:decline', {
      offer_id: offer.offer_id,
    });
    offers.delete(offer.offer_id);
    if (accept && answer.ok && answer.task) task = answer.task;
    else if (accept) announce(status, t(reasons[answer.reason ?? ''] ?? 'notPending'), 'error');
    draw();
  };

  const checkIn = async () => {
    // Where the phone is at the tap, not where it last told the hub (that may be the way there).
    const here = await location.here();
    if (!here) return announce(status, t('noGeolocation'), 'error');
    const answer = await socket.request('checkin', here);
    if (answer.ok) {
      if (task) task = { ...task, on_site: true };
      announce(status, t('checkedIn'));
    } else if (answer.reason === 'too_far')
      announce(status, t('tooFar', { m: answer.distance_m ?? '?' }), 'error');
    else announce(status, t('failed', { reason: answer.reason ?? '' }), 'error');
    draw();
  };

  const handBack = async () => {
    if (!task || !window.confirm(t('handBackConfirm'))) return;
    const answer = await socket.request('task:hand_back', { alert_id: task.alert_id });
    if (answer.ok) {
      task = undefined;
      announce(status, t('handedBack'));
    } else announce(status, t('failed', { reason: answer.reason ?? '' }), 'error');
    draw();
  };

  // The tabs beside the live tasks: the time bank's requests, credits and redemption.
  let tab: Tab = 'tasks';
  let panel: { element: HTMLElement; refresh(): Promise<void> } | undefined;
  const show = (next: Tab) => {
    tab = next;
    announce(status, '');
    panel =
      next === 'requests'
        ? requestsPanel(api, me, status, () => location.here())
        : next === 'mine'
          ? myServicesPanel(api)
          : next === 'credits'
            ? creditsPanel(api, me)
            : next === 'redeem'
              ? redeemPanel(api, me, status, () => undefined)
              : undefined;
    draw();
    main.focus();
  };

  const main = h('main', { id: 'main', class: 'phone', tabindex: '-1' });
  const draw = () => {
    // A redraw (a push state, a language change) keeps the focus on the offer the volunteer was on.
    const focusedOffer = document.activeElement?.closest('[data-offer]')?.getAttribute('data-offer');
    document.title = t('responderTitle');
    root.replaceChildren(
      h(
        'header',
        { class: 'top' },
        h('h1', {}, t('responderTitle')),
        h(
          'div',
          { class: 'tools' },
          languageButton(),
          h('span', { class: 'who' }, me.name ?? me.username),
          h('button', { type: 'button', onclick: signOut }, t('signOut')),
        ),
      ),
      h(
        'nav',
        { class: 'tabs phone-tabs', 'aria-label': t('nav') },
        ...tabs.map(([name, label]) =>
          h(
            'button',
            {
              type: 'button',
              id: `tab-${name}`,
              'aria-current': name === tab ? 'page' : null,
              onclick: () => show(name),
            },
            t(label),
            name === 'tasks' && offers.size ? h('span', { class: 'count-badge' }, offers.size) : null,
          ),
        ),
      ),
      main,
    );
    if (panel) {
      main.replaceChildren(status, panel.element);
      return;
    }
    main.replaceChildren(
      dutyCard(onDuty, setDuty),
      status,
      task
        ? taskCard(task, checkIn, handBack)
        : offerList([...offers.values()].sort(offerOrder), respond, opened),
      onSite.card(task) ?? '',
      push.card(),
      locationCard(
        location,
        (p) => location.set(p, 'typed'),
        shareLocation,
        (text) => announce(status, text, 'error'),
      ),
    );
    if (focusedOffer)
      main.querySelector<HTMLButtonElement>(`[data-offer="${CSS.escape(focusedOffer)}"] .accept`)?.focus();
  };

  socket.on('offer', (offer) => {
    offers.set(offer.offer_id, offer);
    // An offer outranks whatever else the volunteer was looking at.
    tab = 'tasks';
    panel = undefined;
    beep();
    vibrate();
    draw();
    (
      main.querySelector<HTMLButtonElement>('.offer.opened .accept') ??
      main.querySelector<HTMLButtonElement>('.offer .accept')
    )?.focus();
  });
  socket.on('offer:withdrawn', ({ offer_id }) => {
    offers.delete(offer_id);
    draw();
  });
  socket.on('task', (next) => {
    // Given, or taken or checked in at on another of the volunteer's devices: its offer is answered.
    task = next;
    for (const [id, o] of offers) if (o.alert_id === next.alert_id) offers.delete(id);
    draw();
  });
  socket.on('duty', ({ on_duty }) => {
    // The hub sends the open offers right after the duty: the one tapped is gone if it is not among them.
    if (opened)
      setTimeout(() => {
        if (opened && !offers.has(opened)) {
          opened = undefined;
          announce(status, t('push.offerGone'), 'error');
        }
      }, 2000);
    onDuty = on_duty;
    if (on_duty) shareLocation();
    draw();
  });
  socket.on('task:closed', () => {
    task = undefined;
    announce(status, t('taskClosed'));
    draw();
  });
  const ticker = setInterval(() => {
    for (const [id, o] of offers) if (o.expires_at < Date.now()) offers.delete(id);
    for (const el of main.querySelectorAll<HTMLElement>('[data-expires]')) {
      el.textContent = t('expiresIn', {
        s: Math.max(0, Math.round((Number(el.dataset.expires) - Date.now()) / 1000)),
      });
    }
  }, 1000);
  draw();
  const stopLanguage = onLanguageChange(() => {
    draw();
    void panel?.refresh();
  });
  return () => {
    clearInterval(ticker);
    stopLanguage();
    location.stop();
    socket.close();
  };
}

function dutyCard(onDuty: boolean | undefined, setDuty: (next: boolean) => void): HTMLElement {
  const known = onDuty !== undefined;
  return h(
    'section',
    { class: `card duty ${onDuty ? 'on' : known ? 'off' : 'unknown'}`, 'aria-labelledby': 'duty-line' },
    h('p', { id: 'duty-line' }, known ? (onDuty ? t('youAreOn') : t('youAreOff')) : t('dutyLoading')),
    h(
      'button',
      {
        type: 'button',
        class: onDuty ? 'big' : 'big primary',
        id: 'duty',
        disabled: !known,
        onclick: () => setDuty(!onDuty),
      },
      onDuty ? t('dutyOff') : t('dutyOn'),
    ),
  );
}

function offerList(
  offers: Offer[],
  respond: (offer: Offer, accept: boolean) => void,
  opened: string | undefined,
): HTMLElement {
  return h(
    'section',
    { class: 'offers', 'aria-labelledby': 'offers-title' },
    h('h2', { id: 'offers-title' }, t('offers')),
    offers.length
      ? h(
          'ul',
          {},
          ...offers.map((o) =>
            h(
              'li',
              {
                class: `card offer sev-${o.severity}${o.offer_id === opened ? ' opened' : ''}`,
                'data-offer': o.offer_id,
              },
              h('p', { class: 'offer-kind' }, `${term('severity', o.severity)} · ${term('kind', o.kind)}`),
              h('p', {}, t('distance', { m: o.distance_m })),
              h(
                'p',
                { class: 'meta', 'data-expires': o.expires_at },
                t('expiresIn', { s: Math.max(0, Math.round((o.expires_at - Date.now()) / 1000)) }),
              ),
              h(
                'div',
                { class: 'buttons' },
                h(
                  'button',
                  { type: 'button', class: 'big primary accept', onclick: () => respond(o, true) },
                  t('accept'),
                ),
                h(
                  'button',
                  { type: 'button', class: 'big decline', onclick: () => respond(o, false) },
                  t('decline'),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'empty' }, t('noOffers')),
  );
}

function taskCard(task: Task, checkIn: () => void, handBack: () => void): HTMLElement {
  return h(
    'section',
    { class: `card task sev-${task.severity}`, 'aria-labelledby': 'task-title' },
    h('h2', { id: 'task-title' }, `${t('task')} · ${term('kind', task.kind)}`),
    h('p', { class: 'task-name' }, task.elder.name),
    h('p', {}, task.elder.address),
    navigationLinks(task),
    task.on_site
      ? h('p', { class: 'good' }, t('checkedIn'))
      : h('button', { type: 'button', class: 'big primary', id: 'checkin', onclick: checkIn }, t('checkIn')),
    task.on_site ? null : h('button', { type: 'button', id: 'hand-back', onclick: handBack }, t('handBack')),
  );
}

function locationCard(
  location: LocationShare,
  setManual: (p: { lat: number; lon: number }) => Promise<void>,
  share: () => void,
  error: (text: string) => void,
): HTMLElement {
  const wrong = (text: string, field: HTMLInputElement) => {
    error(text);
    field.focus();
  };
  const lat = h('input', {
    id: 'lat',
    inputmode: 'decimal',
    value: location.last?.lat ?? '',
    placeholder: '22.5531',
  });
  const lon = h('input', {
    id: 'lon',
    inputmode: 'decimal',
    value: location.last?.lon ?? '',
    placeholder: '114.0412',
  });
  const form = h(
    'form',
    { class: 'manual-location', novalidate: true },
    h('label', { for: 'lat' }, t('latitude')),
    lat,
    h('label', { for: 'lon' }, t('longitude')),
    lon,
    h('button', { type: 'submit' }, t('send')),
    h('p', { class: 'meta' }, t('manualLocationHint')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const p = parsePosition(lat.value, lon.value);
    if (p === 'bad_lat') return wrong(t('badLatitude'), lat);
    if (p === 'bad_lon') return wrong(t('badLongitude'), lon);
    void setManual(p);
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'location-title' },
    h('h2', { id: 'location-title' }, t('location')),
    location.sharing
      ? location.last
        ? h('p', { class: 'good' }, t('sharingLocation'))
        : h('p', { class: 'meta' }, t('locating'))
      : h('button', { type: 'button', onclick: share }, t('shareLocation')),
    h('details', { open: !location.sharing }, h('summary', {}, t('manualLocation')), form),
  );
}
