import type { AppContext } from '../context';
import { h } from '../dom';
import { ago, t, term } from '../i18n';
import type { Responder } from '../types';
import { availabilityRank, availabilityText } from './responder-state';

/** Responders of the org unit: whether dispatch can reach them, busy with which alert, where last seen. */
export function responderBoardScreen(root: HTMLElement, { api }: AppContext): () => void {
  const body = h('tbody');
  const summary = h('p', { class: 'count' });
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'responders-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'responders-title' }, t('respondersTitle')), summary),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'responder-board' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(['name', 'type', 'skills', 'reachable', 'task', 'location'] as const).map((k) =>
                h('th', { scope: 'col' }, t(k)),
              ),
            ),
          ),
          body,
        ),
      ),
    ),
  );
  const draw = (responders: Responder[]) => {
    const now = Date.now();
    const count = (a: Responder['availability']) => responders.filter((r) => r.availability === a).length;
    summary.textContent = `${t('onDuty')} ${count('on_duty')} · ${t('busy')} ${count('busy')} · ${t('appOffline')} ${count('app_offline')} · ${t('all')} ${responders.length}`;
    // Those a specialist can still send first; the same order and words as the assign list.
    body.replaceChildren(
      ...[...responders]
        .sort(
          (a, b) =>
            availabilityRank[a.availability] - availabilityRank[b.availability] ||
            a.name.localeCompare(b.name),
        )
        .map((r) =>
          h(
            'tr',
            { 'data-id': r.id, 'data-availability': r.availability },
            h('th', { scope: 'row' }, r.name),
            h('td', {}, term('responder', r.kind)),
            h('td', {}, r.skills.map((s) => term('skill', s)).join(t('listSeparator'))),
            h(
              'td',
              {
                class:
                  r.availability === 'on_duty' ? 'good' : r.availability === 'app_offline' ? 'bad' : 'meta',
              },
              availabilityText(r.availability),
            ),
            h(
              'td',
              {},
              r.task_alert_id
                ? h('a', { href: `#/alert/${encodeURIComponent(r.task_alert_id)}` }, t('busy'))
                : t('free'),
            ),
            h('td', {}, r.located_at ? ago(now - r.located_at) : '–'),
          ),
        ),
    );
  };
  const load = () => api.responders().then(draw);
  void load();
  const timer = setInterval(() => void load().catch(() => undefined), 5_000);
  return () => clearInterval(timer);
}
