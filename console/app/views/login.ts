import { login } from '../api';
import { announce, h } from '../dom';
import { t } from '../i18n';
import { languageButton } from './language-button';

/** The sign-in form, shared by specialists, responders and families; `signUp`: a volunteer's way in. */
export function loginScreen(
  root: HTMLElement,
  signedIn: (token: string) => void,
  notice?: string,
  signUp?: () => void,
): void {
  const error = h('p', { class: 'form-status', role: 'alert' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form',
    { class: 'login card', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, t('appTitle')),
    h('label', { for: 'username' }, t('username')),
    username,
    h('label', { for: 'password' }, t('password')),
    password,
    h('button', { type: 'submit', class: 'primary' }, t('signIn')),
    error,
    signUp
      ? h('button', { type: 'button', id: 'open-sign-up', class: 'link', onclick: signUp }, t('signUp.open'))
      : null,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const answer = await login(username.value.trim(), password.value);
      if ('token' in answer) signedIn(answer.token);
      else if (answer.refused === 'locked') {
        announce(error, t('loginLocked', { min: Math.ceil(answer.retryAfterS / 60) }), 'error');
      } else announce(error, t('badLogin'), 'error');
    } catch {
      announce(error, t('networkError'), 'error');
    }
  });
  root.replaceChildren(
    h('div', { class: 'login-page' }, h('div', { class: 'login-lang' }, languageButton()), form),
  );
  if (notice) announce(error, notice, 'error');
  username.focus();
}
