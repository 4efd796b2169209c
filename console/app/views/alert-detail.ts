import type { AppContext } from '../context';
import { announce, fill, h } from '../dom';
import { hasPosition, metresBetween } from '../geo';
import { formatTime, t, term } from '../i18n';
import { actorText, noteText } from '../timeline-text';
import { type Alert, activeStatuses, type Elder, type Responder, type TimelineEntry } from '../types';
import { alertActionsPanel } from './alert-actions';
import { detailsList } from './alert-details';
import { severityBadge, statusText } from './alert-row';
import { showCareRecord } from './care-record-panel';
import { deviceHealthList } from './device-health';
import { showWelfare } from './welfare-panel';

const vitalsWindowMs = 6 * 3600_000;

/**
 * One alert: who it is about, their devices, the evidence, the dispatch timeline, who is
 * coming, and the specialist's actions. It reloads itself when the live feed says it changed.
 */
export function alertDetailScreen(root: HTMLElement, context: AppContext, id?: string): () => void {
  const { api, store } = context;
  if (!id) {
    location.hash = '#/queue';
    return () => undefined;
  }
  let disposed = false;
  let stopChart: (() => void) | undefined;
  const status = h('p', { class: 'form-status', role: 'status' });
  const head = h('div', { class: 'detail-head' });
  const coming = h('section', { class: 'card coming', 'aria-labelledby': 'coming-title' });
  const timeline = h('section', { class: 'card', 'aria-labelledby': 'timeline-title' });
  const profile = h('section', { class: 'card', 'aria-labelledby': 'profile-title' });
  const evidence = h('section', { class: 'card evidence', 'aria-labelledby': 'evidence-title' });
  let elders: Elder[] = [];
  let responders: Responder[] = [];
  let current: Alert | undefined;

  // Each part is redrawn only when what it shows changed; the actions panel is updated in place.
  const redrawn = new Map<HTMLElement, string>();
  const redraw = (section: HTMLElement, inputs: unknown, draw: () => void) => {
    const key = JSON.stringify(inputs);
    if (redrawn.get(section) === key) return;
    redrawn.set(section, key);
    draw();
  };

  const act = async (work: () => Promise<unknown>, done: string): Promise<boolean> => {
    try {
      await work();
      announce(status, done);
      await reload();
      return true;
    } catch (error) {
      announce(status, t('failed', { reason: (error as Error).message }), 'error');
      return false;
    }
  };
  const actions = alertActionsPanel(api, id, act, status);
  const careRecord = h('section', { class: 'card care-record', 'aria-labelledby': 'record-title' });
  const welfare = h('section', { class: 'card welfare', 'aria-labelledby': 'welfare-title' });
  root.replaceChildren(
    h(
      'div',
      { class: 'detail' },
      h('a', { href: '#/queue', class: 'back' }, `← ${t('back')}`),
      head,
      status,
      h(
        'div',
        { class: 'detail-grid' },
        h('div', {}, coming, actions.element, timeline),
        h('div', {}, careRecord, welfare, profile, evidence),
      ),
    ),
  );

  const showComing = (alert: Alert) =>
    redraw(coming, [alert.status, alert.assignee_id, responders, elders.length], () =>
      drawComing(coming, alert, elders, responders),
    );

  let generation = 0; // a reload answered after a newer one started would draw the older state
  const reload = async () => {
    const mine = ++generation;
    const [detail, r] = await Promise.all([api.alert(id), api.responders().catch(() => responders)]);
    if (disposed || mine !== generation) return;
    responders = r;
    current = detail.alert;
    // The queue hears of it too; not again when unchanged (it would ask this screen to reload,
    // and a closed alert, which the queue drops, would be put back and dropped every 500 ms).
    const known = store.alerts.get(id);
    if (known ? known.updated_at < detail.alert.updated_at : activeStatuses.includes(detail.alert.status))
      store.put(detail.alert, false);
    const alert = detail.alert;
    redraw(head, [alert.status, alert.severity, alert.acknowledged_at, alert.elder_name], () =>
      drawHead(head, alert),
    );
    showComing(alert);
    // People by name: the hub's (accounts and responders), else the assign list's, else the username.
    const nameOf = (who: string) => detail.people[who] ?? responders.find((x) => x.id === who)?.name ?? who;
    redraw(timeline, [detail.timeline, detail.people, responders.map((x) => x.name)], () =>
      drawTimeline(timeline, detail.timeline, nameOf),
    );
    actions.update(alert, responders, nameOf);
  };

  const loadProfile = async (alert: Alert) => {
    const [allElders, devices] = await Promise.all([api.elders(), api.devices().catch(() => [])]);
    if (disposed) return;
    elders = allElders;
    const elder = elders.find((e) => e.id === alert.elder_id);
    fill(
      profile,
      h('h2', { id: 'profile-title' }, t('profile')),
      elder
        ? h(
            'dl',
            { class: 'facts' },
            h('dt', {}, t('name')),
            h('dd', {}, elder.name),
            h('dt', {}, t('address')),
            h('dd', {}, elder.address),
          )
        : h('p', {}, alert.elder_name ?? '–'),
      h('h3', {}, t('devicesHealth')),
      deviceHealthList(devices.filter((d) => d.elder_id === alert.elder_id)),
      detailsList(alert.details),
    );
    showComing(current ?? alert);
    void showCareRecord(careRecord, api, alert);
    void showWelfare(welfare, api, alert.elder_id);
    if (!alert.elder_id) return;
    // The window ends at the alert (a minute after it), not at "now": the chart shows what led to it.
    const to = alert.opened_at + 60_000;
    const from = to - vitalsWindowMs;
    const points = await api.vitals(alert.elder_id, from, to).catch(() => []);
    if (disposed) return;
    const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('evidence') });
    evidence.replaceChildren(
      h('h2', { id: 'evidence-title' }, t('evidence')),
      points.length ? chartBox : h('p', { class: 'empty' }, t('noVitals')),
    );
    if (points.length) {
      const { drawVitals } = await import('./vitals-chart');
      if (!disposed) stopChart = drawVitals(chartBox, points, alert.opened_at, { from, to });
    }
  };

  reload().then(
    () => current && loadProfile(current),
    (error: Error) => announce(status, t('failed', { reason: error.message }), 'error'),
  );
  // Live: when the feed says this alert changed, fetch its timeline again (at most twice a second).
  let pending: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe(({ changed }) => {
    if (!changed.has(id) || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      void reload().catch(() => undefined);
    }, 500);
  });
  return () => {
    disposed = true;
    unsubscribe();
    clearTimeout(pending);
    stopChart?.();
  };
}

function drawHead(head: HTMLElement, alert: Alert): void {
  head.replaceChildren(
    h(
      'h2',
      { id: 'detail-title' },
      severityBadge(alert.severity),
      ' ',
      term('kind', alert.kind),
      ' · ',
      alert.elder_name ?? alert.device_id ?? '',
    ),
    h('p', { class: 'meta' }, statusText(alert), ` · ${formatTime(alert.opened_at)}`),
  );
}

/** Who is coming and how far away they are now (from their last shared location). */
function drawComing(section: HTMLElement, alert: Alert, elders: Elder[], responders: Responder[]): void {
  const responder = responders.find((r) => r.id === alert.assignee_id);
  const elder = elders.find((e) => e.id === alert.elder_id);
  let line: string;
  if (!alert.assignee_id) line = t('nobodyComing');
  else {
    const name = responder ? `${responder.name} · ${term('responder', responder.kind)}` : alert.assignee_id;
    // How far away only while they are on the way: not once they arrived, nor after closing.
    const away =
      alert.status !== 'assigned'
        ? alert.status === 'on_site'
          ? ` · ${t('arrived')}`
          : ''
        : responder && elder && hasPosition(responder) && hasPosition(elder)
          ? ` · ${t('away', { m: Math.round(metresBetween(responder, elder) / 10) * 10 })}`
          : '';
    line = `${name}${away}`;
  }
  // The heading says where they are: on the way, there, or (closed) who handled it.
  const title =
    alert.status === 'on_site'
      ? 'comingOnSite'
      : activeStatuses.includes(alert.status)
        ? 'coming'
        : 'comingDone';
  section.replaceChildren(
    h('h2', { id: 'coming-title' }, t(title)),
    h('p', { class: 'coming-line', 'data-assignee': alert.assignee_id ?? '' }, line),
  );
}

function drawTimeline(section: HTMLElement, entries: TimelineEntry[], nameOf: (id: string) => string): void {
  section.replaceChildren(
    h('h2', { id: 'timeline-title' }, t('timeline')),
    h(
      'ol',
      { class: 'timeline' },
      ...entries.map((e) =>
        h(
          'li',
          {},
          h('time', { datetime: new Date(e.at).toISOString() }, formatTime(e.at)),
          ' ',
          h('strong', {}, actorText(e.actor, nameOf)),
          e.from_status === null
            ? ` ${term('status', e.to_status)}`
            : e.from_status !== e.to_status
              ? ` ${term('status', e.from_status)} → ${term('status', e.to_status)}`
              : '',
          e.note || e.code
            ? h('span', { class: 'note', 'data-code': e.code ?? '' }, ` ${noteText(e, nameOf)}`)
            : null,
        ),
      ),
    ),
  );
}
