import type { AppContext } from '../context';
import { h } from '../dom';
import { ago, type TextKey, t, term } from '../i18n';
import type { Device, Elder } from '../types';
import { deviceProblems } from './device-health';

type Filter = 'all' | 'offline' | 'lowBattery' | 'notWorn';
const filters: Array<[Filter, TextKey]> = [
  ['all', 'all'],
  ['offline', 'offline'],
  ['lowBattery', 'lowBattery'],
  ['notWorn', 'notWornBoard'],
];

/** Devices of the org unit with their health; filters for the three problems that need a visit. */
export function deviceBoardScreen(root: HTMLElement, { api }: AppContext): () => void {
  let devices: Device[] = [];
  let elders = new Map<string, Elder>();
  let filter: Filter = 'all';
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('status') });
  const body = h('tbody');
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'devices-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'devices-title' }, t('devicesTitle')), chips),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'device-board' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(['device', 'type', 'elder', 'status', 'battery', 'worn', 'lastSeen'] as const).map((k) =>
                h('th', { scope: 'col' }, t(k)),
              ),
            ),
          ),
          body,
        ),
      ),
    ),
  );

  const draw = () => {
    const counts: Record<Filter, number> = { all: devices.length, offline: 0, lowBattery: 0, notWorn: 0 };
    for (const d of devices) {
      const p = deviceProblems(d);
      if (p.offline) counts.offline++;
      if (p.lowBattery) counts.lowBattery++;
      if (p.notWorn) counts.notWorn++;
    }
    chips.replaceChildren(
      ...filters.map(([f, label]) =>
        h(
          'button',
          {
            type: 'button',
            class: 'chip',
            'aria-pressed': String(f === filter),
            onclick: () => {
              filter = f;
              draw();
            },
          },
          `${t(label)} ${counts[f]}`,
        ),
      ),
    );
    const now = Date.now();
    const shown = devices.filter((d) => filter === 'all' || deviceProblems(d)[filter]);
    body.replaceChildren(
      ...shown.map((d) => {
        const p = deviceProblems(d);
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, d.id),
          h('td', {}, term('device', d.type)),
          h('td', {}, (d.elder_id && elders.get(d.elder_id)?.name) ?? d.elder_id ?? '–'),
          h('td', { class: p.offline ? 'bad' : 'good' }, p.offline ? t('offline') : t('online')),
          h('td', { class: p.lowBattery ? 'bad' : '' }, d.battery === null ? '–' : `${d.battery}%`),
          h('td', { class: p.notWorn ? 'bad' : '' }, d.worn === null ? '–' : d.worn ? t('yes') : t('no')),
          h('td', {}, d.last_seen_at ? ago(now - d.last_seen_at) : t('never')),
        );
      }),
    );
  };

  const load = async () => {
    const [d, e] = await Promise.all([api.devices(), api.elders()]);
    devices = d.filter((x) => x.revoked_at === null);
    elders = new Map(e.map((x) => [x.id, x]));
    draw();
  };
  void load();
  // Health is persisted every few seconds; a board refreshed every 15 s is current enough.
  const timer = setInterval(() => void load().catch(() => undefined), 15_000);
  return () => clearInterval(timer);
}
