import type { Api } from '../api';
import { when } from '../district-time';
import { h } from '../dom';
import { t, term } from '../i18n';
import type { ServiceOrder, VolunteerRecord } from '../types';
import { dataTable } from '../views/data-table';
import { panel } from './volunteer-panels';

/**
 * The volunteer's own view: what is coming, what they gave and what it earned, a summary by month,
 * and (a panel of its own) their certificates and skills.
 */
export function myServicesPanel(api: Api) {
  return panel('mine', async (element) => {
    const record = await api.volunteerRecord();
    element.replaceChildren(
      h('h2', {}, t('mineTitle')),
      summaryCard(record),
      h('h2', {}, t('upcomingServices')),
      record.upcoming.length
        ? h('ul', { class: 'orders upcoming' }, ...record.upcoming.map(serviceItem))
        : h('p', { class: 'empty' }, t('noUpcoming')),
      h('h2', { id: 'months-title' }, t('monthlySummary')),
      dataTable(
        'months-table',
        [t('monthColumn'), t('servicesColumn'), t('measuredColumn'), t('creditedColumn')],
        record.months.map((m) => [
          m.month,
          t('monthServices', { n: m.services }),
          t('minutes', { m: m.measured_minutes }),
          t('minutes', { m: m.credited_minutes }),
        ]),
        t('noMonths'),
      ),
      h('h2', {}, t('pastServices')),
      record.past.length
        ? h('ul', { class: 'orders past' }, ...record.past.map(serviceItem))
        : h('p', { class: 'empty' }, t('noHistory')),
      certificatesPanel(record),
    );
  });
}

function summaryCard(record: VolunteerRecord): HTMLElement {
  return h(
    'div',
    { class: 'card balance', id: 'my-summary' },
    h('p', { class: 'big-number' }, t('creditedTotal', { m: record.credited_minutes })),
    h('p', { class: 'meta' }, t('measuredTotal', { m: record.measured_minutes })),
    record.awaiting_decision
      ? h('p', { class: 'meta' }, t('awaitingDecision', { n: record.awaiting_decision }))
      : null,
  );
}

function serviceItem(o: ServiceOrder): HTMLElement {
  const served = o.checked_out_at !== null;
  return h(
    'li',
    { class: 'card', 'data-order': o.id, 'data-status': o.status },
    h('p', { class: 'offer-kind' }, `${term('service', o.kind)} · ${term('orderStatus', o.status)}`),
    o.elder ? h('p', {}, `${o.elder.name} · ${o.elder.address}`) : null,
    h('p', { class: 'meta' }, when(served ? o.checked_out_at! : o.wanted_at)),
    served
      ? h(
          'p',
          {},
          [t('minutes', { m: o.measured_minutes ?? 0 }), confirmation(o)].filter(Boolean).join(' · '),
        )
      : null,
    served
      ? h(
          'p',
          { class: o.credit?.credited_minutes ? 'good' : 'meta' },
          o.credit?.credited_minutes
            ? t('earned', { m: o.credit.credited_minutes })
            : o.credit
              ? term('credit', o.credit.status)
              : t('pendingCredit'),
        )
      : null,
  );
}

function confirmation(o: ServiceOrder): string {
  if (o.proof.confirmation === 'elder_code') return t('confirmedByCode');
  if (o.proof.confirmation === 'family') return t('confirmedByFamily');
  // An emergency response needs no confirmation: nothing to say.
  return o.kind === 'emergency_response' ? '' : t('unconfirmed');
}

/** Skills, certificates with their last day (an expired one is said plainly) and the training record. */
function certificatesPanel(record: VolunteerRecord): HTMLElement {
  const certificate = (c: VolunteerRecord['certificates'][number]) =>
    h(
      'li',
      { class: c.expired ? 'bad' : '' },
      t(c.expired ? 'certificateExpired' : 'certificateLine', {
        skill: term('skill', c.skill),
        number: c.number,
        expires: c.expires_on,
      }),
    );
  return h(
    'section',
    { class: 'card', id: 'certificates-panel', 'aria-labelledby': 'certificates-title' },
    h('h2', { id: 'certificates-title' }, t('certificatesTitle')),
    h(
      'p',
      {},
      record.skills.length
        ? t('skillsLine', { skills: record.skills.map((s) => term('skill', s)).join(t('listSeparator')) })
        : t('noSkills'),
    ),
    record.certificates.length
      ? h('ul', { id: 'certificates' }, ...record.certificates.map(certificate))
      : h('p', { class: 'meta' }, t('noCertificates')),
    h('h3', {}, t('trainingsTitle')),
    record.trainings.length
      ? h(
          'ul',
          { id: 'trainings' },
          ...record.trainings.map((x) =>
            h('li', {}, t('trainingLine', { date: x.taken_on, course: x.course })),
          ),
        )
      : h('p', { class: 'meta' }, t('noTrainings')),
  );
}
