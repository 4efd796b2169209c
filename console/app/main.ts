import './styles.css';
import { AlertStore } from './alert-store';
import { Api, ApiError } from './api';
import { installApp, offlineNotice } from './app-install';
import type { AppContext } from './context';
import { learnDistrictClock } from './district-time';
import { h } from './dom';
import { learnDeviceTypes, locale, onLanguageChange, t } from './i18n';
import { responderApp } from './responder/responder-app';
import { signUpScreen } from './responder/sign-up';
import { consoleShell } from './views/console-shell';
import { familyScreen } from './views/family';
import { loginScreen } from './views/login';

/**
 * The entry: one page for every role. A specialist or admin gets the console, a responder
 * the phone app, a family user their elder's page; the token lives in sessionStorage so a
 * closed tab signs out.
 */
const root = document.getElementById('app')!;
/** A responder's token, kept across closing the app (their phone is theirs; the console's is not). */
const responderToken = 'responder-token';
let stopCurrent: (() => void) | undefined;

function showLogin(notice?: () => string): void {
  stopCurrent?.();
  stopCurrent = onLanguageChange(() => loginScreen(root, start, notice?.(), showSignUp));
  document.title = t('appTitle');
  loginScreen(root, start, notice?.(), showSignUp);
}

/** A volunteer's sign-up, from the sign-in screen; back to it when sent or given up. */
function showSignUp(): void {
  stopCurrent?.();
  stopCurrent = signUpScreen(root, () => showLogin());
}

async function start(token: string): Promise<void> {
  sessionStorage.setItem('token', token);
  const api = new Api(token);
  let me: AppContext['me'];
  try {
    me = await api.me();
    const config = await api.consoleConfig();
    learnDeviceTypes(config.device_types);
    learnDistrictClock(config.utc_offset_minutes);
    // Orders of every screen are named from the district's menu of service kinds.
    await api.serviceKinds();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem('token');
      localStorage.removeItem(responderToken);
      showLogin();
      return;
    }
    // No answer at all (not an HTTP error): offline, the shell came from the service worker.
    if (!(error instanceof ApiError)) return offlineNotice(root, () => void start(token));
    root.replaceChildren(h('p', { class: 'card' }, t('networkError')));
    return;
  }
  stopCurrent?.();
  const signOut = () => {
    stopCurrent?.();
    void api.logout().catch(() => undefined);
    sessionStorage.removeItem('token');
    localStorage.removeItem(responderToken);
    location.hash = '';
    showLogin();
  };
  // The hub ended the session (expired, signed out elsewhere, moved to another unit): sign-in, with why.
  const sessionEnded = () => {
    sessionStorage.removeItem('token');
    localStorage.removeItem(responderToken);
    showLogin(() => t('sessionEnded'));
  };
  if (me.role === 'responder') {
    // The phone app stays signed in when closed: a pushed offer's tap opens it on the offer.
    localStorage.setItem(responderToken, token);
    stopCurrent = responderApp(root, { me, token, api }, signOut, sessionEnded);
    return;
  }
  const store = new AlertStore(api, token, me.role === 'family', sessionEnded);
  store.start();
  const context: AppContext = { me, token, api, store };
  const stopScreen =
    me.role === 'family' ? familyScreen(root, context, signOut) : consoleShell(root, context, signOut);
  stopCurrent = () => {
    stopScreen();
    store.stop();
  };
}

document.documentElement.lang = locale();
installApp();
const saved = sessionStorage.getItem('token') ?? localStorage.getItem(responderToken);
if (saved) void start(saved);
else showLogin();
