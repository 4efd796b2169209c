import type { Application, Volunteer } from '../../../registry/volunteer-sign-up';
import { ApiError } from '../api';
import type { AppContext } from '../context';
import { announce, h } from '../dom';
import { formatTime, t, term } from '../i18n';
import { dataTable } from './data-table';

/** Why a decision or an entry was refused, in the console's language. */
function refusal(error: unknown): string {
  if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return t('vetting.gone');
  if (error instanceof ApiError && error.status === 400) return t('vetting.badInput');
  return t('networkError');
}

/**
 * Vetting of the unit's volunteers: the applications waiting (approve, or refuse with a reason),
 * and each volunteer's certificates (expired ones marked: first aid no longer counts) and training
 * record, where a specialist enters courses and renewed certificates.
 */
export function volunteerVettingScreen(root: HTMLElement, { api }: AppContext): () => void {
  const status = h('p', {
    id: 'vetting-status',
    class: 'form-status',
    role: 'status',
    'aria-live': 'polite',
  });
  const applications = h('div');
  const volunteers = h('div');
  root.replaceChildren(
    h(
      'section',
      { 'aria-labelledby': 'applications-title' },
      h('h2', { id: 'applications-title' }, t('vetting.applications')),
      status,
      applications,
    ),
    h(
      'section',
      { 'aria-labelledby': 'volunteers-title' },
      h('h2', { id: 'volunteers-title' }, t('vetting.volunteers')),
      volunteers,
    ),
  );
  let stopped = false;

  const run = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      announce(status, done);
      await load();
    } catch (error) {
      announce(status, refusal(error), 'error');
    }
  };

  const decision = (a: Application) => {
    const reason = h('input', { id: `reason-${a.id}`, maxlength: 500 });
    const refuse = h(
      'form',
      { class: 'inline' },
      h('label', { for: reason.id, class: 'visually-hidden' }, t('vetting.refuseReason')),
      reason,
    );
    refuse.append(h('button', { type: 'submit' }, t('vetting.refuse')));
    reason.placeholder = t('vetting.refuseReason');
    refuse.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!reason.value.trim()) {
        announce(status, t('vetting.reasonNeeded'), 'error');
        reason.focus();
        return;
      }
      void run(
        () => api.decideApplication(a.id, reason.value.trim()),
        t('vetting.refused', { name: a.name }),
      );
    });
    return h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary approve',
          onclick: () =>
            void run(() => api.decideApplication(a.id, null), t('vetting.approved', { name: a.name })),
        },
        t('vetting.approve'),
      ),
      refuse,
    );
  };

  const certificates = (v: Volunteer) =>
    v.certificates.length
      ? h(
          'ul',
          { class: 'plain' },
          ...v.certificates.map((c) =>
            h(
              'li',
              { class: c.expired ? 'bad' : '' },
              `${term('skill', c.skill)} ${c.number} · ${t('vetting.validUntil', { day: c.expires_on })}`,
              c.expired ? ` · ${t('vetting.expired')}` : '',
            ),
          ),
        )
      : t('vetting.noCertificate');

  const record = (v: Volunteer) => {
    const course = h('input', { id: `course-${v.id}`, maxlength: 100, required: true });
    const day = h('input', { id: `taken-${v.id}`, type: 'date', required: true });
    const training = h(
      'form',
      { class: 'inline' },
      h('label', { for: course.id }, t('vetting.course')),
      course,
      h('label', { for: day.id }, t('vetting.takenOn')),
      day,
      h('button', { type: 'submit' }, t('vetting.addTraining')),
    );
    training.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(
        () => api.addTraining(v.id, { course: course.value.trim(), taken_on: day.value }),
        t('vetting.trainingAdded'),
      );
    });
    const number = h('input', { id: `cert-${v.id}`, maxlength: 40, required: true });
    const expires = h('input', { id: `cert-until-${v.id}`, type: 'date', required: true });
    const renew = h(
      'form',
      { class: 'inline' },
      h('label', { for: number.id }, t('signUp.certificateNumber')),
      number,
      h('label', { for: expires.id }, t('signUp.certificateExpires')),
      expires,
      h('button', { type: 'submit' }, t('vetting.renew')),
    );
    renew.addEventListener('submit', (event) => {
      event.preventDefault();
      void run(
        () => api.renewCertificate(v.id, { number: number.value.trim(), expires_on: expires.value }),
        t('vetting.renewed'),
      );
    });
    return h(
      'details',
      { class: 'volunteer-record' },
      h('summary', {}, t('vetting.training')),
      v.trainings.length
        ? h('ul', { class: 'plain' }, ...v.trainings.map((x) => h('li', {}, `${x.taken_on} · ${x.course}`)))
        : h('p', { class: 'meta' }, t('vetting.noTraining')),
      training,
      renew,
    );
  };

  const load = async () => {
    const [waiting, people] = await Promise.all([api.volunteerApplications(), api.volunteers()]);
    if (stopped) return;
    applications.replaceChildren(
      dataTable(
        'applications',
        [
          t('name'),
          t('vetting.phone'),
          t('vetting.ageGroup'),
          t('skills'),
          t('vetting.certificate'),
          t('vetting.appliedAt'),
          '',
        ],
        waiting.map((a) => [
          a.name,
          a.phone,
          term('ageGroup', a.age_group),
          a.skills.map((s) => term('skill', s)).join(t('listSeparator')),
          a.first_aid_certificate
            ? `${a.first_aid_certificate.number} · ${t('vetting.validUntil', { day: a.first_aid_certificate.expires_on })}`
            : t('vetting.noCertificate'),
          formatTime(a.applied_at),
          decision(a),
        ]),
        t('vetting.noApplications'),
      ),
    );
    volunteers.replaceChildren(
      dataTable(
        'volunteers',
        [t('name'), t('vetting.ageGroup'), t('skills'), t('vetting.certificates'), t('vetting.training')],
        people.map((v) => [
          v.name,
          v.age_group ? term('ageGroup', v.age_group) : null,
          v.skills.map((s) => term('skill', s)).join(t('listSeparator')),
          certificates(v),
          record(v),
        ]),
        t('vetting.noVolunteers'),
      ),
    );
  };
  void load().catch((error) => announce(status, refusal(error), 'error'));
  return () => {
    stopped = true;
  };
}
