import { requestKinds, serviceStatuses } from '../../../../services/api-schemas';
import type { AppContext } from '../../context';
import { localClock, localDay, localMoment } from '../../district-time';
import { fill, h } from '../../dom';
import { type TextKey, t } from '../../i18n';
import type { RecurringRequest, ServiceOrder } from '../../types';
import { actionRunner, dataTable } from '../data-table';

const weekdays = [1, 2, 3, 4, 5, 6, 7];
const service = (kind: string) => t(`service.${kind}` as TextKey);
const when = (at: number) => `${localDay(at)} ${localClock(at)}`;
const daysText = (days: number[]) => days.map((d) => t(`weekday.${d}` as TextKey)).join(t('listSeparator'));

/**
 * 需求发布: a specialist publishes a service request for an elder who phoned in — once, or every
 * week on chosen days — follows the requests of the unit (filtered by status and kind), cancels one
 * before it is served, and stops a recurring one. Times are the district's (UTC+8).
 */
export function ordersTab(root: HTMLElement, { api }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  const run = actionRunner(status, () => load());
  const select = (id: string, options: Array<[string, string]>) =>
    h('select', { id }, ...options.map(([value, label]) => h('option', { value }, label)));
  const elder = h('select', { id: 'order-elder', required: true });
  const kind = select(
    'order-kind',
    requestKinds.map((k) => [k, service(k)]),
  );
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

  const statusFilter = select('orders-status', [
    ['', t('allStatuses')],
    ...serviceStatuses.map((s): [string, string] => [s, t(`orderStatus.${s}` as TextKey)]),
  ]);
  const kindFilter = select('orders-kind', [
    ['', t('allKinds')],
    ...requestKinds.map((k): [string, string] => [k, service(k)]),
  ]);
  for (const filter of [statusFilter, kindFilter]) filter.addEventListener('change', () => void load());
  const orders = h('div', { id: 'orders' });
  const recurring = h('div', { id: 'recurring' });

  /** Cancelling asks twice: the first click arms the button for a few seconds. */
  const cancelButton = (order: ServiceOrder) => {
    const button = h('button', { type: 'button', 'data-cancel': order.id }, t('cancelOrder'));
    let armed = false;
    button.addEventListener('click', () => {
      if (!armed) {
        armed = true;
        button.textContent = t('confirmCancel');
        setTimeout(() => {
          armed = false;
          button.textContent = t('cancelOrder');
        }, 5000);
        return;
      }
      void run(
        () => api.cancelOrder(order.id),
        () => t('orderCancelled'),
      );
    });
    return button;
  };

  const load = async () => {
    const [list, rules] = await Promise.all([
      api.serviceOrders(statusFilter.value || undefined),
      api.recurringRequests(),
    ]);
    if (disposed) return;
    const shown = list
      .filter((o) => !kindFilter.value || o.kind === kindFilter.value)
      .sort((a, b) => b.wanted_at - a.wanted_at);
    fill(
      orders,
      dataTable(
        'orders-table',
        [
          t('wantedAt'),
          t('orderElder'),
          t('orderKind'),
          t('orderStatus'),
          t('orderVolunteer'),
          t('orderNoteShort'),
          '',
        ],
        shown.map((o) => [
          when(o.wanted_at),
          o.elder?.name ?? '–',
          service(o.kind),
          t(`orderStatus.${o.status}` as TextKey),
          o.volunteer_id,
          o.note,
          o.status === 'requested' || o.status === 'taken' ? cancelButton(o) : null,
        ]),
        t('noOrders'),
      ),
    );
    fill(
      recurring,
      dataTable(
        'recurring-table',
        [
          t('orderElder'),
          t('orderKind'),
          t('weekdaysLabel'),
          t('orderTime'),
          t('nextAt'),
          t('orderNoteShort'),
          '',
        ],
        rules
          .filter((r) => r.active)
          .map((r) => [
            r.elder.name,
            service(r.kind),
            t('everyWeek', { days: daysText(r.weekdays) }),
            r.time,
            r.next_wanted_at ? when(r.next_wanted_at) : '–',
            r.note,
            h(
              'button',
              {
                type: 'button',
                'data-stop': r.id,
                onclick: () =>
                  run(
                    () => api.stopRecurring(r.id),
                    () => t('recurringStopped'),
                  ),
              },
              t('stopRecurring'),
            ),
          ]),
        t('noRecurring'),
      ),
    );
  };

  const start = async () => {
    const elders = await api.elders();
    if (disposed) return;
    fill(elder, ...elders.map((e) => h('option', { value: e.id }, `${e.name} · ${e.address ?? ''}`)));
    await load();
  };
  root.replaceChildren(
    h('h3', {}, t('publishTitle')),
    form,
    h('h3', {}, t('recurringTitle')),
    recurring,
    h('h3', {}, t('ordersTitle')),
    h('div', { class: 'toolbar' }, statusFilter, kindFilter),
    orders,
  );
  void start().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
  };
}
