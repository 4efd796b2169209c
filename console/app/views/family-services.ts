import { type Api, ApiError } from '../api';
import { when } from '../district-time';
import { fill, h } from '../dom';
import { type TextKey, t } from '../i18n';
import type { Elder, ServiceOrder } from '../types';
import { actionRunner, dataTable } from './data-table';
import { fillElders, requestForm, service } from './request-form';

/** An account's balance, 0 when it has none yet (the ledger opens accounts at their first entry). */
async function balance(api: Api, ownerId: string, kind: string): Promise<number> {
  try {
    return (await api.account(ownerId, kind, 1)).balance_minutes;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return 0;
    throw error;
  }
}

/**
 * The family's part in the time bank, on their page: ask for a service for their elder (once or
 * weekly), rate a finished one, give credits from the family's account to the parent, and see the
 * parent's balance and services. Built once and kept across the page's redraws, so that a half-typed
 * request or rating survives a live alert.
 */
export function familyServices(
  api: Api,
  familyUnit: string | null,
): { element: HTMLElement; load(elders: Elder[], force?: boolean): Promise<void>; relabel(): void } {
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  let elders: Elder[] = [];
  const run = actionRunner(status, () => load(elders, true));
  let request = requestForm(api, run);
  const orders = h('div', { id: 'family-orders' });
  const credits = h('div', { id: 'family-credits' });

  /** The family confirms a visit the elder could not confirm with the watch's code. */
  const visitConfirmation = (order: ServiceOrder) => {
    if (order.proof.confirmation) return h('span', { class: 'meta' }, confirmedBy(order));
    if (order.kind === 'emergency_response' || !['in_progress', 'done', 'rated'].includes(order.status))
      return null;
    return h(
      'button',
      {
        type: 'button',
        'data-confirm': order.id,
        onclick: () =>
          run(
            () => api.confirmVisit(order.id),
            () => t('visitConfirmed'),
          ),
      },
      t('confirmVisit'),
    );
  };
  const rateForm = (order: ServiceOrder) => {
    const stars = h(
      'select',
      { id: `family-rating-${order.id}`, 'aria-label': t('rating') },
      ...[5, 4, 3, 2, 1].map((n) => h('option', { value: String(n) }, '★'.repeat(n))),
    );
    const comment = h('input', {
      id: `family-comment-${order.id}`,
      maxlength: 500,
      placeholder: t('ratingComment'),
    });
    const rate = h(
      'form',
      { class: 'inline', 'data-rate': order.id },
      stars,
      comment,
      h('button', { type: 'submit' }, t('rateService')),
    );
    rate.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(
        () => api.rateOrder(order.id, Number(stars.value), comment.value.trim()),
        () => t('rated'),
      );
    });
    return rate;
  };

  const giveForm = (e: Elder) => {
    const minutes = h('input', {
      id: `give-${e.id}`,
      type: 'number',
      min: 1,
      step: 1,
      value: 30,
      class: 'num',
    });
    const give = h(
      'form',
      { class: 'inline', 'data-give': e.id },
      h('label', { for: minutes.id }, t('giveMinutes')),
      minutes,
      h('button', { type: 'submit' }, t('give')),
    );
    give.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!familyUnit) return;
      void run(
        () => api.giveToElder(familyUnit, e.id, Number(minutes.value)),
        () => t('given', { m: minutes.value, name: e.name }),
      );
    });
    return give;
  };

  /** The page's periodic reload leaves the lists alone while the person is in a form here. */
  const load = async (list: Elder[], force = false) => {
    elders = list;
    if (!force && element.contains(document.activeElement)) return;
    if (!request.elder.options.length) fillElders(request.elder, elders);
    const [mine, own] = await Promise.all([
      api.serviceOrders(),
      familyUnit ? balance(api, familyUnit, 'family') : Promise.resolve(0),
      // A kind the district's admins added since appears in the form; a retired one goes.
      request.reloadKinds(),
    ]);
    const parents = await Promise.all(
      elders.map(async (e) => [e, await balance(api, e.id, 'elder')] as const),
    );
    fill(
      orders,
      dataTable(
        'family-orders-table',
        [t('wantedAt'), t('orderElder'), t('orderKind'), t('orderStatus'), t('rating')],
        mine
          .sort((a, b) => b.wanted_at - a.wanted_at)
          .map((o) => [
            when(o.wanted_at),
            o.elder?.name ?? '–',
            service(o.kind),
            h('span', {}, t(`orderStatus.${o.status}` as TextKey), ' ', visitConfirmation(o)),
            o.status === 'done' ? rateForm(o) : o.rating ? '★'.repeat(o.rating) : null,
          ]),
        t('noOrders'),
      ),
    );
    fill(
      credits,
      h('p', { id: 'family-balance' }, t('familyBalance', { m: own })),
      ...parents.map(([e, minutes]) =>
        h(
          'div',
          { class: 'parent-credits', 'data-elder': e.id },
          h('p', {}, t('parentBalance', { name: e.name, m: minutes })),
          familyUnit ? giveForm(e) : null,
        ),
      ),
    );
  };

  const element = h('section', {
    class: 'card family-services',
    'aria-labelledby': 'family-services-title',
  });
  const fillElement = () =>
    element.replaceChildren(
      h('h2', { id: 'family-services-title' }, t('familyServices')),
      status,
      h('h3', {}, t('publishTitle')),
      request.form,
      h('h3', {}, t('serviceRecords')),
      orders,
      h('h3', {}, t('timeCredits')),
      credits,
    );
  fillElement();
  /** Another language: the form is built again in it (a half-typed request is lost) and the lists redrawn. */
  const relabel = () => {
    status.textContent = ''; // said in the other language
    request = requestForm(api, run);
    fillElement();
    void load(elders, true).catch(() => undefined);
  };
  return { element, load, relabel };
}

function confirmedBy(order: ServiceOrder): string {
  return order.proof.confirmation === 'elder_code' ? t('confirmedByCode') : t('confirmedByFamily');
}
