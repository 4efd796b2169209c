import { type CallRequest, reachedOutcomes, unreachedOutcomes } from '../../../alerts/call-log';
import type { FullRecordView } from '../../../registry/care-record';
import type { Api } from '../api';
import { announce, h } from '../dom';
import { t } from '../i18n';

/**
 * The form a specialist fills after each call: whom (the elder or a contact, in calling order),
 * reached or not, and what came of it. The call lands on the alert's timeline.
 */
export function callLogForm(
  record: FullRecordView,
  alertId: string,
  api: Api,
): { element: HTMLElement; choose: (callee: string) => void } {
  const callees: Array<[string, string]> = [
    ...(record.phone
      ? [['elder', `${t('calls.elder')} ${record.name} · ${record.phone}`] as [string, string]]
      : []),
    ...record.contacts.map(
      (c, i) =>
        [`contact:${i + 1}`, `${i + 1}. ${c.name} · ${t(`relation.${c.relation}`)} · ${c.phone}`] as [
          string,
          string,
        ],
    ),
  ];
  if (callees.length === 0)
    return { element: h('p', { class: 'empty' }, t('calls.nobody')), choose: () => undefined };
  const callee = h(
    'select',
    { id: 'call-callee' },
    ...callees.map(([value, label]) => h('option', { value }, label)),
  );
  const reached = h(
    'select',
    { id: 'call-reached' },
    h('option', { value: 'no' }, t('calls.no')),
    h('option', { value: 'yes' }, t('calls.yes')),
  );
  const outcome = h('select', { id: 'call-outcome' });
  const fillOutcomes = () =>
    outcome.replaceChildren(
      ...(reached.value === 'yes' ? reachedOutcomes : unreachedOutcomes).map((o) =>
        h('option', { value: o }, t(`callOutcome.${o}`)),
      ),
    );
  reached.addEventListener('change', fillOutcomes);
  fillOutcomes();
  const note = h('input', { id: 'call-note', type: 'text', maxlength: 500 });
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'action call-log', 'aria-labelledby': 'calls-title' },
    h('h3', { id: 'calls-title' }, t('calls.title')),
    h('label', { for: 'call-callee' }, t('calls.callee')),
    callee,
    h('label', { for: 'call-reached' }, t('calls.reached')),
    reached,
    h('label', { for: 'call-outcome' }, t('calls.outcome')),
    outcome,
    h('label', { for: 'call-note' }, t('calls.note')),
    note,
    h('button', { type: 'submit' }, t('calls.log')),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const [who, position] = callee.value.split(':');
    const call = {
      callee: who,
      ...(position ? { contact: Number(position) } : {}),
      reached: reached.value === 'yes',
      outcome: outcome.value,
      ...(note.value.trim() ? { note: note.value.trim() } : {}),
    } as CallRequest;
    api.logCall(alertId, call).then(
      () => {
        announce(status, t('done'));
        note.value = '';
      },
      (error: Error) => announce(status, t('failed', { reason: error.message }), 'error'),
    );
  });
  return {
    element: form,
    choose: (value) => {
      if (callees.some(([v]) => v === value)) callee.value = value;
    },
  };
}
