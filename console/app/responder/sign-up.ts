import { ageGroups } from '../../../registry/age-groups';
import { skills } from '../../../registry/responder-skills';
import type { Application } from '../../../registry/volunteer-sign-up';
import { ApiError } from '../api';
import { announce, h } from '../dom';
import { onLanguageChange, type TextKey, t, term } from '../i18n';
import { languageButton } from '../views/language-button';

type Community = { id: string; name: string; street: string | null };

/** The sign-up call: needs no login (anyone may apply; the hub limits attempts). */
async function apply(body: unknown): Promise<Application> {
  const response = await fetch('/api/v1/volunteers/applications', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new ApiError(response.status, answer.error ?? String(response.status), answer.issues);
  return answer as Application;
}

/** The hub's bad entries, named in the app's language (the hub's own sentences are English). */
function refusal(error: unknown): string {
  if (!(error instanceof ApiError)) return t('networkError');
  if (error.code === 'username_taken') return t('signUp.usernameTaken');
  if (error.code === 'already_applied') return t('signUp.alreadyApplied');
  if (error.code === 'too_many_attempts') return t('signUp.tooMany');
  const fields = [
    ...new Set(
      error.issues.map((i) =>
        i.path
          .split('.')
          .pop()!
          .replace(/\[\d+\]$/, ''),
      ),
    ),
  ];
  return t('signUp.invalid', {
    fields: fields.map((f) => t(`signUp.field.${f}` as TextKey)).join(t('listSeparator')) || error.code,
  });
}

/**
 * A person signs up as a volunteer, before having a login: who they are, their community, age
 * group, skills and first-aid certificate, and the login they want once a specialist approves.
 * What was typed survives a change of language. Returns how to stop listening.
 */
export function signUpScreen(root: HTMLElement, back: () => void): () => void {
  const values = new Map<string, string | boolean>();
  let communities: Community[] | undefined;
  let sent: Application | undefined;

  const input = (id: string, attributes: Record<string, string | boolean> = {}) => {
    const field = h('input', { id, name: id, value: (values.get(id) as string) ?? '', ...attributes });
    field.addEventListener('input', () => values.set(id, field.value));
    return field;
  };
  const labelled = (id: string, label: TextKey, field: HTMLElement, hint?: TextKey) => [
    h('label', { for: id }, t(label)),
    field,
    hint ? h('p', { class: 'meta', id: `${id}-hint` }, t(hint)) : null,
  ];
  const choice = (id: string, type: 'radio' | 'checkbox', name: string, value: string, label: string) => {
    const box = h('input', { type, id, name, value, checked: values.get(id) === true });
    box.addEventListener('change', () => {
      if (type === 'radio') for (const other of ageGroups) values.delete(`age-${other}`);
      values.set(id, box.checked);
    });
    return h('label', { class: 'choice', for: id }, box, label);
  };

  const draw = () => {
    document.title = t('signUp.title');
    const status = h('p', { class: 'form-status', role: 'alert' });
    if (sent) {
      root.replaceChildren(
        h(
          'div',
          { class: 'login-page' },
          h('div', { class: 'login-lang' }, languageButton()),
          h(
            'section',
            { class: 'login card', 'aria-labelledby': 'sign-up-title' },
            h('h1', { id: 'sign-up-title' }, t('signUp.title')),
            h('p', { class: 'good', id: 'sign-up-sent' }, t('signUp.sent')),
            h('button', { type: 'button', class: 'primary', onclick: back }, t('signUp.back')),
          ),
        ),
      );
      return;
    }
    const community = h(
      'select',
      { id: 'community', name: 'community', required: true },
      h('option', { value: '' }, t('signUp.chooseCommunity')),
      ...(communities ?? []).map((c) =>
        h(
          'option',
          { value: c.id, selected: values.get('community') === c.id },
          c.street ? `${c.street} · ${c.name}` : c.name,
        ),
      ),
    );
    community.addEventListener('change', () => values.set('community', community.value));
    const form = h(
      'form',
      { class: 'login card sign-up', 'aria-labelledby': 'sign-up-title', novalidate: true },
      h('h1', { id: 'sign-up-title' }, t('signUp.title')),
      h('p', { class: 'meta' }, t('signUp.intro')),
      ...labelled('name', 'signUp.name', input('name', { autocomplete: 'name', required: true })),
      ...labelled(
        'phone',
        'signUp.phone',
        input('phone', { type: 'tel', autocomplete: 'tel', required: true }),
      ),
      ...labelled('community', 'signUp.community', community),
      h(
        'fieldset',
        {},
        h('legend', {}, t('signUp.ageGroup')),
        ...ageGroups.map((g) => choice(`age-${g}`, 'radio', 'age_group', g, term('ageGroup', g))),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, t('signUp.skills')),
        ...skills.map((s) => choice(`skill-${s}`, 'checkbox', 'skills', s, term('skill', s))),
      ),
      h(
        'fieldset',
        { 'aria-describedby': 'certificate-hint' },
        h('legend', {}, t('signUp.certificate')),
        h('p', { class: 'meta', id: 'certificate-hint' }, t('signUp.certificateHint')),
        ...labelled('certificate-number', 'signUp.certificateNumber', input('certificate-number')),
        ...labelled(
          'certificate-expires',
          'signUp.certificateExpires',
          input('certificate-expires', { type: 'date' }),
        ),
      ),
      ...labelled(
        'new-username',
        'signUp.username',
        input('new-username', { autocomplete: 'username', required: true }),
        'signUp.usernameHint',
      ),
      ...labelled(
        'new-password',
        'signUp.password',
        input('new-password', { type: 'password', autocomplete: 'new-password', required: true }),
      ),
      h('button', { type: 'submit', class: 'primary' }, t('signUp.submit')),
      status,
      h('button', { type: 'button', onclick: back }, t('signUp.back')),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = (id: string) => String(values.get(id) ?? '').trim();
      const number = text('certificate-number');
      const expires = text('certificate-expires');
      try {
        sent = await apply({
          name: text('name'),
          phone: text('phone'),
          community: text('community'),
          age_group: ageGroups.find((g) => values.get(`age-${g}`) === true) ?? '',
          skills: skills.filter((s) => values.get(`skill-${s}`) === true),
          ...(number || expires ? { first_aid_certificate: { number, expires_on: expires } } : {}),
          username: text('new-username'),
          password: String(values.get('new-password') ?? ''),
        });
        draw();
      } catch (error) {
        announce(status, refusal(error), 'error');
      }
    });
    root.replaceChildren(
      h('div', { class: 'login-page' }, h('div', { class: 'login-lang' }, languageButton()), form),
    );
    if (communities === undefined) announce(status, t('loading'));
    else if (communities.length === 0) announce(status, t('signUp.noCommunities'), 'error');
  };

  fetch('/api/v1/volunteers/communities')
    .then((r) => (r.ok ? (r.json() as Promise<{ communities: Community[] }>) : { communities: [] }))
    .then(
      (answer) => {
        communities = answer.communities;
        draw();
      },
      () => {
        communities = [];
        draw();
      },
    );
  draw();
  root.querySelector<HTMLInputElement>('#name')?.focus();
  return onLanguageChange(draw);
}
