import type { AppContext } from '../context';
import { h } from '../dom';
import { ago, t, term } from '../i18n';
import type { Responder } from '../types';

/** Responders of the org unit: on duty or not, busy with which alert, where last seen. */
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
              ...(['name', 'type', 'skills', 'onDuty', 'task', 'location'] as const).map((k) =>
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
    const onDuty = responders.filter((r) => r.on_duty).length;
    const busy = responders.filter((r) => r.task_alert_id).length;
    summary.textContent = `${t('onDuty')} ${onDuty} · ${t('busy')} ${busy} · ${t('all')} ${responders.length}`;
    // On duty and free first: those are the people a specialist can still send.
    const rank = (r: Responder) => (r.on_duty ? (r.task_alert_id ? 1 : 0) : 2);
    body.replaceChildren(
      ...[...responders]
        .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
        .map((r) =>
          h(
            'tr',
            { 'data-id': r.id },
            h('th', { scope: 'row' }, r.name, h('span', { class: 'meta' }, ` ${r.id}`)),
            h('td', {}, term('responder', r.kind)),
            h('td', {}, r.skills.map((s) => term('skill', s)).join('、')),
            h('td', { class: r.on_duty ? 'good' : 'meta' }, r.on_duty ? t('onDuty') : t('offDuty')),
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
