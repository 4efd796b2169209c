import type { AlertStore } from './alert-store';
import type { Api } from './api';
import type { Me } from './types';

/** What every screen is given: who is signed in, the API, the live alerts. */
export interface AppContext {
  me: Me;
  token: string;
  api: Api;
  store: AlertStore;
}

/** A screen draws itself into `root` and returns how to stop its timers and listeners. */
export type Screen = (root: HTMLElement, context: AppContext, param?: string) => (() => void) | undefined;
