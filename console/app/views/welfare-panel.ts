import type { Api } from '../api';
import { announce, fill, h } from '../dom';
import { formatTime, type TextKey, t } from '../i18n';
import type { WelfareOccurrence, WelfareSchedule } from '../types';

/** The hub's own reasons the specialist can act on; others are shown as the hub words them. */
const reasons: Record<string, TextKey> = { no_watch: 'welfare.noWatch' };

/**
 * An elder's daily check-ins and medication reminders on the watch: each schedule editable in
 * place (time, text, wait, on/off, delete), a form to add one, and the latest occurrences — confirmed,
 * unanswered (and whether that raised an alert), a dose taken or missed.
 */
export async function showWelfare(section: HTMLElement, api: Api, elderId: string | null): Promise<void> {
  section.hidden = !elderId;
  if (!elderId) return;
  const status = h('p', { class: 'form-status', role: 'status' });
  const redraw = () => void showWelfare(section, api, elderId);
  const save = (id: string | null, body: Partial<WelfareSchedule> | null) =>
    api.saveWelfareSchedule(elderId, id, body).then(redraw, (error: Error) => {
      const key = reasons[error.message];
      announce(status, key ? t(key) : t('failed', { reason: error.message }), 'error');
    });
  let schedules: WelfareSchedule[];
  let occurrences: WelfareOccurrence[];
  try {
    [schedules, occurrences] = await Promise.all([
      api.welfareSchedules(elderId),
      api.welfareOccurrences(elderId),
    ]);
  } catch (error) {
    fill(
      section,
      h('h2', { id: 'welfare-title' }, t('welfare.title')),
      h('p', { class: 'empty' }, t('welfare.unavailable', { reason: (error as Error).message })),
    );
    return;
  }
  fill(
    section,
    h('h2', { id: 'welfare-title' }, t('welfare.title')),
    h('h3', {}, t('welfare.schedules')),
    schedules.length
      ? h('ul', { class: 'welfare-schedules' }, ...schedules.map((s) => scheduleRow(s, save)))
      : h('p', { class: 'empty' }, t('welfare.noSchedules')),
    addForm(save),
    status,
    h('h3', {}, t('welfare.recent')),
    occurrences.length ? occurrenceTable(occurrences) : h('p', { class: 'empty' }, t('welfare.noRecent')),
  );
}

type Save = (id: string | null, body: Partial<WelfareSchedule> | null) => Promise<void>;

/** The fields a schedule is set by; `id` keeps the labels of each row apart. */
function fields(id: string, s?: WelfareSchedule) {
  const time = h('input', { id: `${id}-time`, type: 'time', required: true, value: s?.time ?? '09:00' });
  const wait = h('input', {
    id: `${id}-wait`,
    type: 'number',
    min: 1,
    max: 240,
    required: true,
    value: s?.wait_minutes ?? 15,
  });
  const text = h('input', {
    id: `${id}-text`,
    type: 'text',
    maxlength: 80,
    value: s?.text ?? '',
    placeholder: t('welfare.textDefault'),
  });
  const labelled = (input: HTMLElement, label: TextKey) => [h('label', { for: input.id }, t(label)), input];
  return {
    time,
    wait,
    text,
    controls: [
      ...labelled(time, 'welfare.time'),
      ...labelled(wait, 'welfare.wait'),
      ...labelled(text, 'welfare.text'),
    ],
    values: () => ({
      time: time.value,
      wait_minutes: Number(wait.value),
      ...(text.value.trim() ? { text: text.value.trim() } : {}),
    }),
  };
}

function scheduleRow(s: WelfareSchedule, save: Save): HTMLElement {
  const id = `welfare-${s.id}`;
  const f = fields(id, s);
  const enabled = h('input', { id: `${id}-enabled`, type: 'checkbox', checked: s.enabled });
  const form = h(
    'form',
    { class: 'action welfare-schedule', 'data-schedule': s.id, 'data-kind': s.kind },
    h('strong', {}, t(`welfare.kind.${s.kind}`)),
    ...f.controls,
    h('label', { for: enabled.id }, t('welfare.enabled')),
    enabled,
    h('button', { type: 'submit' }, t('welfare.save')),
    h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => void save(s.id, null) },
      t('welfare.delete'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save(s.id, { ...f.values(), enabled: enabled.checked });
  });
  return h('li', {}, form);
}

function addForm(save: Save): HTMLElement {
  const f = fields('welfare-new');
  const kind = h(
    'select',
    { id: 'welfare-new-kind' },
    ...(['check_in', 'medication'] as const).map((k) => h('option', { value: k }, t(`welfare.kind.${k}`))),
  );
  const form = h(
    'form',
    { class: 'action welfare-add' },
    h('label', { for: kind.id }, t('welfare.kind')),
    kind,
    ...f.controls,
    h('button', { type: 'submit' }, t('welfare.add')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save(null, { kind: kind.value as WelfareSchedule['kind'], ...f.values() });
  });
  return form;
}

function occurrenceTable(rows: WelfareOccurrence[]): HTMLElement {
  const result = (o: WelfareOccurrence): string => {
    const medication = o.kind === 'medication';
    if (o.status === 'pending') return t('welfare.status.pending');
    if (o.status === 'acknowledged')
      return t(medication ? 'welfare.status.taken' : 'welfare.status.acknowledged');
    const missed = t(medication ? 'welfare.status.notTaken' : 'welfare.status.missed');
    const alerted = o.alerted_at === null ? '' : ` · ${t('welfare.alerted')}`;
    const late = o.acknowledged_at === null ? '' : t('welfare.late', { time: formatTime(o.acknowledged_at) });
    return `${missed}${alerted}${late}`;
  };
  return h(
    'table',
    { class: 'welfare-occurrences' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...(['welfare.kind', 'welfare.due', 'welfare.status', 'welfare.answeredAt'] as const).map((k) =>
          h('th', {}, t(k)),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((o) =>
        h(
          'tr',
          { 'data-status': o.status },
          h('td', {}, t(`welfare.kind.${o.kind}`)),
          h('td', {}, formatTime(o.due_at)),
          h('td', {}, result(o)),
          h(
            'td',
            {},
            o.status === 'acknowledged' && o.acknowledged_at !== null ? formatTime(o.acknowledged_at) : '–',
          ),
        ),
      ),
    ),
  );
}
