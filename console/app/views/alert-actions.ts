import type { Api } from '../api';
import { announce, h } from '../dom';
import { t, term } from '../i18n';
import { type Alert, activeStatuses, outcomes, type Responder } from '../types';
import { availabilityRank, availabilityText } from './responder-state';

/** Runs an action; on success says `done` (what was done, to whom), on failure why. */
export type Act = (work: () => Promise<unknown>, done: string) => Promise<boolean>;

export interface ActionsPanel {
  element: HTMLElement;
  /**
   * Shows the alert as it is now, people by `personName` (a username gives their name). What the
   * user chose, typed or focused stays as it was.
   */
  update(alert: Alert, responders: Responder[], personName: (id: string) => string): void;
}

/**
 * The specialist's actions on one alert. Built once per alert screen and updated in place: a
 * live update (a ladder step, someone else's note) never resets the responder chosen, the note
 * being typed or the focus, so the alert goes to the person the specialist picked. Every button
 * names what it does to whom ("指派给 杨淑珍"); closing asks for an outcome (none preselected) and
 * a confirmation.
 */
export function alertActionsPanel(api: Api, alertId: string, act: Act, status: HTMLElement): ActionsPanel {
  let responders: Responder[] = [];
  const nameOf = (id: string) => responders.find((r) => r.id === id)?.name ?? id;

  const acknowledge = h('button', { type: 'button', class: 'primary', id: 'acknowledge' }, t('acknowledge'));
  acknowledge.addEventListener(
    'click',
    () => void act(() => api.acknowledge(alertId), t('acknowledgedDone')),
  );
  const acknowledged = h('p', { class: 'meta acknowledged-by' });

  const choose = h('option', { value: '' }, t('chooseResponder'));
  const responderSelect = h('select', { id: 'assign-to', required: true }, choose);
  const assignButton = h('button', { type: 'submit', id: 'assign' }, t('assign'));
  const nameAssign = () => {
    const chosen = responderSelect.value;
    assignButton.textContent = chosen ? t('assignNamed', { name: nameOf(chosen) }) : t('assign');
  };
  responderSelect.addEventListener('change', nameAssign);
  const assignForm = form(
    async () => {
      const chosen = responderSelect.value;
      if (!chosen) return announce(status, t('chooseResponderFirst'), 'error');
      await act(() => api.assign(alertId, chosen), t('assignedDone', { name: nameOf(chosen) }));
    },
    h('label', { for: 'assign-to' }, t('assignTo')),
    responderSelect,
    assignButton,
  );

  const note = h('textarea', { id: 'note-text', rows: 2, maxlength: 2000 });
  const noteForm = form(
    async () => {
      const text = note.value.trim();
      if (!text) {
        announce(status, t('noteEmpty'), 'error');
        note.focus();
        return;
      }
      if (await act(() => api.note(alertId, text), t('noteAdded'))) note.value = '';
    },
    h('label', { for: 'note-text' }, t('note')),
    note,
    h('button', { type: 'submit', id: 'add-note' }, t('addNote')),
  );

  // Closing: an outcome must be picked (none is preselected), then confirmed in a second step.
  const outcome = h(
    'select',
    { id: 'outcome', required: true },
    h('option', { value: '' }, t('chooseOutcome')),
    ...outcomes.map((o) => h('option', { value: o }, term('outcome', o))),
  );
  const confirmLine = h('p', { class: 'confirm-line', id: 'resolve-question' });
  const confirmBox = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': 'resolve-question', hidden: true },
    confirmLine,
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        id: 'confirm-resolve',
        onclick: () => {
          const chosen = outcome.value;
          confirmBox.hidden = true;
          void act(
            () => api.resolve(alertId, chosen),
            t('resolvedDone', { outcome: term('outcome', chosen) }),
          );
        },
      },
      t('confirmResolve'),
    ),
    h(
      'button',
      {
        type: 'button',
        id: 'cancel-resolve',
        onclick: () => {
          confirmBox.hidden = true;
          outcome.focus();
        },
      },
      t('cancel'),
    ),
  );
  const resolveForm = form(
    async () => {
      if (!outcome.value) {
        announce(status, t('chooseOutcomeFirst'), 'error');
        outcome.focus();
        return;
      }
      confirmLine.textContent = t('resolveQuestion', { outcome: term('outcome', outcome.value) });
      confirmBox.hidden = false;
      confirmBox.querySelector<HTMLButtonElement>('#confirm-resolve')?.focus();
    },
    h('label', { for: 'outcome' }, t('outcome')),
    outcome,
    h('button', { type: 'submit', id: 'resolve' }, t('resolve')),
  );
  const closed = h('p', { class: 'closed-as' });

  const element = h(
    'section',
    { class: 'card actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, t('actions')),
    acknowledge,
    acknowledged,
    assignForm,
    noteForm,
    resolveForm,
    confirmBox,
    closed,
  );

  const update = (alert: Alert, next: Responder[], personName: (id: string) => string) => {
    responders = next;
    const active = activeStatuses.includes(alert.status);
    const waiting = alert.status === 'open' && !alert.acknowledged_at;
    acknowledge.hidden = !waiting;
    acknowledged.hidden = waiting || !alert.acknowledged_by;
    acknowledged.textContent = alert.acknowledged_by
      ? `${t('acknowledged')} · ${personName(alert.acknowledged_by)}`
      : '';
    assignForm.hidden = !active;
    resolveForm.hidden = !active;
    if (!active) confirmBox.hidden = true;
    closed.hidden = active;
    closed.textContent = active
      ? ''
      : `${term('status', alert.status)}${alert.outcome ? ` · ${term('outcome', alert.outcome)}` : ''}`;
    syncOptions(responderSelect, choose, responders, alert.assignee_id);
    nameAssign();
  };
  return { element, update };
}

/**
 * The assign list's options, updated in place: labels and order follow the responders' state,
 * the chosen value never changes under the user's hand.
 */
function syncOptions(
  select: HTMLSelectElement,
  placeholder: HTMLOptionElement,
  responders: Responder[],
  assignee: string | null,
): void {
  const chosen = select.value;
  const existing = new Map([...select.options].map((o) => [o.value, o]));
  const sorted = [...responders].sort(
    (a, b) =>
      availabilityRank[a.availability] - availabilityRank[b.availability] || a.name.localeCompare(b.name),
  );
  const wanted = [placeholder];
  for (const r of sorted) {
    const option = existing.get(r.id) ?? h('option', { value: r.id });
    const label = `${r.name} · ${term('responder', r.kind)} · ${
      r.id === assignee ? t('assignee') : availabilityText(r.availability)
    }`;
    if (option.textContent !== label) option.textContent = label;
    option.dataset.availability = r.availability;
    wanted.push(option);
  }
  wanted.forEach((option, i) => {
    if (select.options[i] !== option) select.insertBefore(option, select.options[i] ?? null);
  });
  while (select.options.length > wanted.length) select.options[wanted.length]?.remove();
  select.value = chosen;
}

function form(onsubmit: () => Promise<unknown>, ...fields: Node[]): HTMLFormElement {
  // Checked here, with a message that says what is missing (the browser's bubble would not).
  const f = h('form', { class: 'action', novalidate: true }, ...fields);
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    void onsubmit();
  });
  return f;
}
