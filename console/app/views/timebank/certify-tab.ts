import type { AppContext } from '../../context';
import { fill, h } from '../../dom';
import { formatTime, t, term } from '../../i18n';
import type { ServiceOrder } from '../../types';
import { actionRunner, dataTable, inlineForm, numberField } from '../data-table';
import { responderNames } from '../responder-names';

/**
 * Certifying services: rated services get the minutes claimed and are paid from the community's
 * fund; done services can have a rating entered from a phone call; claims over the limit are decided.
 */
export function certifyTab(root: HTMLElement, { api }: AppContext, status: HTMLElement): () => void {
  let disposed = false;
  const run = actionRunner(status, () => load());

  const load = async () => {
    const [rated, done, flagged, responders] = await Promise.all([
      api.serviceOrders('rated'),
      api.serviceOrders('done'),
      api.flaggedClaims(),
      responderNames(api),
    ]);
    if (disposed) return;
    const nameOf = (id: string | null) => (id ? responders(id) : '–');
    const what = (o: ServiceOrder) => `${term('service', o.kind)} · ${o.elder?.name ?? ''}`;
    fill(
      root,
      h('h3', { id: 'to-certify' }, t('toCertify')),
      dataTable(
        'certify-table',
        [t('service'), t('volunteer'), t('measured'), t('rating'), t('claimed')],
        rated.map((o) => {
          const [label, claimed] = numberField(`claim-${o.id}`, t('claimed'), o.measured_minutes ?? 0);
          return [
            what(o),
            nameOf(o.volunteer_id),
            t('minutes', { m: o.measured_minutes ?? 0 }),
            o.rating ? `${'★'.repeat(o.rating)}${'☆'.repeat(5 - o.rating)}` : '–',
            inlineForm(
              t('certify'),
              () =>
                run(
                  () => api.certify(o.id, Number(claimed.value)),
                  (r) => {
                    const credit = (r as ServiceOrder).credit;
                    return t('certified', {
                      status: term('credit', credit?.status ?? ''),
                      m: credit?.credited_minutes ?? 0,
                    });
                  },
                ),
              label,
              claimed,
            ),
          ];
        }),
        t('noneToCertify'),
      ),
      h('h3', {}, t('toRate')),
      dataTable(
        'rate-table',
        [t('service'), t('volunteer'), t('measured'), t('rating')],
        done.map((o) => {
          const select = h(
            'select',
            { id: `rating-${o.id}` },
            ...[5, 4, 3, 2, 1].map((n) => h('option', { value: n }, `${n} ★`)),
          );
          return [
            what(o),
            nameOf(o.volunteer_id),
            t('minutes', { m: o.measured_minutes ?? 0 }),
            inlineForm(
              t('rate'),
              () => run(() => api.rateOrder(o.id, Number(select.value))),
              h('label', { for: select.id, class: 'visually-hidden' }, t('rating')),
              select,
            ),
          ];
        }),
        t('noneToRate'),
      ),
      h('h3', {}, t('flaggedClaims')),
      dataTable(
        'flagged-table',
        [t('when'), t('volunteer'), t('claimed'), t('measured'), t('minutesToPay')],
        flagged.map((c) => {
          const [label, minutes] = numberField(`pay-${c.service_id}`, t('minutesToPay'), c.measured_minutes);
          return [
            formatTime(c.created_at),
            nameOf(c.volunteer_id),
            t('minutes', { m: c.claimed_minutes }),
            t('minutes', { m: c.measured_minutes }),
            h(
              'div',
              { class: 'row-actions' },
              inlineForm(
                t('approve'),
                () => run(() => api.decideClaim(c.service_id, Number(minutes.value))),
                label,
                minutes,
              ),
              h(
                'button',
                { type: 'button', onclick: () => run(() => api.decideClaim(c.service_id, 0)) },
                t('reject'),
              ),
            ),
          ];
        }),
        t('noneFlagged'),
      ),
    );
  };
  fill(root, h('p', { class: 'empty' }, t('loading')));
  void load().catch((error: Error) => run(() => Promise.reject(error)));
  return () => {
    disposed = true;
  };
}
