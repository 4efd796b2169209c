import type { Api } from '../api';
import { localClock, localDay, localMoment, when } from '../district-time';
import { fill, h } from '../dom';
import { type TextKey, t, term } from '../i18n';
import type { Elder, RecurringRequest, ServiceKind, ServiceOrder } from '../types';

const weekdays = [1, 2, 3, 4, 5, 6, 7];
/** A service kind's name, from the district's menu (retired kinds too). */
export const service = (kind: string) => term('service', kind);
/** A moment as the district reads it: date and time of day (UTC+8). */
/** A labelled-by-id choice of `[value, label]` options. */
export const select = (id: string, options: Array<[string, string]>) =>
  h('select', { id }, ...options.map(([value, label]) => h('option', { value }, label)));

/** The elders one may ask for, by name and home (people of the same name told apart). */
export function fillElders(elder: HTMLSelectElement, elders: Elder[]): void {
  fill(elder, ...elders.map((e) => h('option', { value: e.id }, `${e.name} · ${e.address ?? ''}`)));
}

/**
 * A service request for an elder, once at a date and time or every week on chosen days (the
 * district's time): the specialist's 需求发布 and the family's page both ask with it. `run` says on the
 * status line how it went and reloads what lists the requests.
 */
export function requestForm(
  api: Api,
  run: (work: () => Promise<unknown>, done?: (result: unknown) => string) => Promise<void>,
): { form: HTMLFormElement; elder: HTMLSelectElement; reloadKinds: () => Promise<void> } {
  const elder = h('select', { id: 'order-elder', required: true });
  const kind = h('select', { id: 'order-kind', required: true });
  // The menu as the hub has it now (an admin may have added a kind): retired kinds are not offered.
  const reloadKinds = async () => {
    const chosen = kind.value;
    const offered = (await api.serviceKinds()).filter((k: ServiceKind) => k.active);
    fill(
      kind,
      ...offered.map((k) => h('option', { value: k.code, selected: k.code === chosen }, service(k.code))),
    );
  };
  void reloadKinds().catch((error: Error) => run(() => Promise.reject(error)));
  const note = h('textarea', { id: 'order-note', maxlength: 2000, rows: 2 });
  const nextHour = Date.now() + 3600_000;
  const day = h('input', { id: 'order-day', type: 'date', value: localDay(nextHour), required: true });
  const time = h('input', {
    id: 'order-time',
    type: 'time',
    value: `${localClock(nextHour).slice(0, 2)}:00`,
    required: true,
  });
  const repeat = h('input', { id: 'order-repeat', type: 'checkbox' });
  const dayBoxes = weekdays.map((d) =>
    h('input', { type: 'checkbox', id: `order-weekday-${d}`, value: String(d) }),
  );
  const weekdayField = h(
    'fieldset',
    { class: 'weekdays', hidden: true },
    h('legend', {}, t('weekdaysLabel')),
    ...dayBoxes.map((box, i) => h('label', { class: 'check' }, box, ` ${t(`weekday.${i + 1}` as TextKey)}`)),
  );
  repeat.addEventListener('change', () => {
    weekdayField.hidden = !repeat.checked;
  });
  const label = (input: HTMLElement, key: TextKey) => [h('label', { for: input.id }, t(key)), input];
  const form = h(
    'form',
    { class: 'order-form', id: 'order-form' },
    ...label(elder, 'orderElder'),
    ...label(kind, 'orderKind'),
    ...label(note, 'orderNote'),
    ...label(day, 'orderDay'),
    ...label(time, 'orderTime'),
    h('label', { class: 'check' }, repeat, ` ${t('repeatWeekly')}`),
    weekdayField,
    h('button', { type: 'submit', class: 'primary publish', id: 'order-publish' }, t('publish')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const request = { elder_id: elder.value, kind: kind.value, note: note.value.trim() };
    if (!repeat.checked) {
      void run(
        () => api.publishOrder({ ...request, wanted_at: localMoment(day.value, time.value) }),
        (o) => t('published', { kind: service(kind.value), when: when((o as ServiceOrder).wanted_at) }),
      );
      return;
    }
    const chosen = dayBoxes.filter((b) => b.checked).map((b) => Number(b.value));
    if (!chosen.length) return void run(() => Promise.reject(new Error(t('pickWeekday'))));
    void run(
      () => api.publishRecurring({ ...request, weekdays: chosen, time: time.value, starts_on: day.value }),
      (r) => {
        const next = (r as RecurringRequest).next_wanted_at;
        return t('publishedRecurring', { kind: service(kind.value), when: next ? when(next) : '–' });
      },
    );
  });

  return { form, elder, reloadKinds };
}
