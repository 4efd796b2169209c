import { feedbackCountCells, feedbackCountColumns, formatShare } from '../../../../reports/report-texts';
import { when } from '../../district-time';
import { h } from '../../dom';
import { currentLanguage, type TextKey, t } from '../../i18n';
import type { DistrictReport } from '../../types';
import { dataTable } from '../data-table';

type Feedback = DistrictReport['feedback'];
type Count = Omit<Feedback['by_kind'][number], 'kind'>;

const percent = (v: number | null) => formatShare(v, '–');
const stars = (v: number | null) => (v === null ? '–' : String(v));
// The files' column names ("fulfilled share"), as a heading or label on the screen ("Fulfilled share").
const w = (key: string) => {
  const text = t(`report.${key}` as TextKey);
  return text.charAt(0).toUpperCase() + text.slice(1);
};
const countHeaders = feedbackCountColumns;
const countCells = (c: Count) => feedbackCountCells(c, '–');

/**
 * The report's feedback (the seed's 评价反馈体系): how many requests were met, what people thought of
 * the services, per unit, kind and volunteer, and the complaints a specialist should follow up.
 * The same words and columns as the CSV and Excel tables.
 */
export function feedbackSection(feedback: Feedback): HTMLElement {
  const { totals } = feedback;
  // Named as the report names them: retired kinds and kinds added since the console started too.
  const service = (kind: string) => feedback.kind_names[kind]?.[currentLanguage()] ?? kind;
  const figure = (label: string, value: string) =>
    h('div', { class: 'figure' }, h('span', { class: 'label' }, label), h('strong', {}, value));
  const card = (title: string, body: HTMLElement, wide = false) =>
    h('section', { class: wide ? 'card wide' : 'card' }, h('h3', {}, title), body);
  const empty = t('noData');
  return h(
    'section',
    { class: 'feedback', id: 'report-feedback', 'aria-labelledby': 'feedback-title' },
    h('h3', { id: 'feedback-title' }, w('feedback')),
    h(
      'div',
      { class: 'figures' },
      figure(w('fulfilledShare'), percent(totals.fulfilled_share)),
      figure(w('averageRating'), stars(totals.average_rating)),
      figure(w('eldersServed'), String(totals.elders_served)),
      figure(w('creditsIssued'), String(totals.credits_issued_minutes)),
      figure(w('creditsRedeemed'), String(totals.credits_redeemed_minutes)),
    ),
    h(
      'div',
      { class: 'report-grid' },
      card(
        w('complaints'),
        dataTable(
          'feedback-complaints',
          ['kind', 'orgUnit', 'elder', 'volunteer', 'rating', 'comment', 'wantedAt'].map(w),
          feedback.complaints.map((c) => [
            service(c.kind),
            c.org_unit_name,
            c.elder_name ?? c.elder_id,
            c.volunteer_name ?? c.volunteer_id,
            c.rating,
            c.comment,
            when(c.wanted_at),
          ]),
          empty,
        ),
      ),
      card(
        w('feedbackByKind'),
        dataTable(
          'feedback-kinds',
          ['kind', ...countHeaders].map(w),
          feedback.by_kind.map((k) => [service(k.kind), ...countCells(k)]),
          empty,
        ),
      ),
      card(
        w('feedbackByUnit'),
        dataTable(
          'feedback-units',
          ['orgUnit', ...countHeaders, 'eldersServed', 'creditsIssued', 'creditsRedeemed'].map(w),
          feedback.by_unit
            .filter((u) => u.requested > 0 || u.credits_issued_minutes > 0 || u.credits_redeemed_minutes > 0)
            .map((u) => [
              u.name,
              ...countCells(u),
              u.elders_served,
              u.credits_issued_minutes,
              u.credits_redeemed_minutes,
            ]),
          empty,
        ),
        true,
      ),
      card(
        w('feedbackByVolunteer'),
        dataTable(
          'feedback-volunteers',
          ['volunteer', 'fulfilled', 'ratings', 'averageRating'].map(w),
          feedback.by_volunteer.map((v) => [
            v.name ?? v.volunteer_id,
            v.fulfilled,
            v.ratings,
            stars(v.average_rating),
          ]),
          empty,
        ),
      ),
    ),
  );
}
