import { serviceStatuses } from '../../../../services/api-schemas';
import type { AppContext } from '../../context';
import { when } from '../../district-time';
import { fill, h } from '../../dom';
import { type TextKey, t } from '../../i18n';
import { noteText } from '../../timeline-text';
import type { ServiceOrder } from '../../types';
import { actionRunner, dataTable } from '../data-table';
import { fillElders, requestForm, select, service } from '../request-form';
import { responderNames } from '../responder-names';

const daysText = (days: number[]) => days.map((d) => t(`weekday.${d}` as TextKey)).join(t('listSeparator'));

/**
 * 需求发布: a specialist publishes a service request for an elder who phoned in — once, or every
 * week on chosen days — follows the requests of the unit (filtered by status and kind), cancels one
 * before it is served, and stops a recurring one. Times are the district's (UTC+8).
 */
export function ordersTab(root: HTMLElement, { api }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  const run = actionRunner(status, () => load());
  const { form, elder } = requestForm(api, run);
  const statusFilter = select('orders-status', [
    ['', t('allStatuses')],
    ...serviceStatuses.map((s): [string, string] => [s, t(`orderStatus.${s}` as TextKey)]),
  ]);
  // Every kind of the menu, retired ones too: their old orders are still followed here.
  const kindFilter = select('orders-kind', [['', t('allKinds')]]);
  const fillKindFilter = async () => {
    const kinds = await api.serviceKinds();
    if (disposed) return;
    const chosen = kindFilter.value;
    fill(
      kindFilter,
      h('option', { value: '' }, t('allKinds')),
      ...kinds.map((k) =>
        h(
          'option',
          { value: k.code, selected: k.code === chosen },
          k.active ? service(k.code) : `${service(k.code)}${t('kinds.retiredSuffix')}`,
        ),
      ),
    );
  };
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

  // Volunteers by name, as on the other screens.
  const names = responderNames(api);
  const load = async () => {
    const [list, rules, nameOf] = await Promise.all([
      api.serviceOrders(statusFilter.value || undefined),
      api.recurringRequests(),
      names,
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
          o.volunteer_id ? nameOf(o.volunteer_id) : null,
          noteText({ note: o.note, code: o.note_code, params: o.note_params }, nameOf),
          o.status === 'requested' || o.status === 'taken'
            ? h(
                'span',
                { class: 'row-actions' },
                o.status === 'taken'
                  ? h(
                      'button',
                      {
                        type: 'button',
                        'data-reopen': o.id,
                        onclick: () =>
                          run(
                            () => api.reassignOrder(o.id, null),
                            () => t('orderReopened'),
                          ),
                      },
                      t('reopenOrder'),
                    )
                  : null,
                cancelButton(o),
              )
            : null,
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
    fillElders(elder, elders);
    await fillKindFilter();
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
