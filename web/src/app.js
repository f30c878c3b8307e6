// What every page shares: the state of the tab, its texts, rendering a page, errors in words.
import { ApiError } from './aws.js';
import { dateOf, timeOf } from './format.js';
import { TEXT } from './i18n.js';
import { SessionEnded } from './session.js';
import { say } from './words.js';
import { h, showErrors } from './ui.js';

// Kept for the tab's life (sessionStorage): the language, a pending registration or recovery
// (codes are read in another app, which may unload the page), where to return after a sign-in.
export const tab = {
  get: (name) => JSON.parse(sessionStorage.getItem(`ongpt.${name}`) || 'null'),
  set: (name, value) => sessionStorage.setItem(`ongpt.${name}`, JSON.stringify(value)),
  drop: (name) => sessionStorage.removeItem(`ongpt.${name}`),
};

export const state = { lang: tab.get('lang') || 'vi', api: null, auth: null, config: null, customer: false };
export const t = (key) => TEXT[state.lang][key] ?? TEXT.vi[key];
export const words = (kind, value) => say(kind, value, state.lang);
export const day = (value) => dateOf(value, state.lang);
export const when = (value) => timeOf(value, state.lang);

// To a page; to the same page again, drawn anew.
export const go = (route) => {
  if (window.location.hash === route) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = route;
};

// Said once after the next page is drawn, in the page's one live region (#status).
export function flash(text) {
  state.flash = text;
}

export function announce(text) {
  const region = document.getElementById('status');
  region.textContent = '';
  if (text) setTimeout(() => (region.textContent = text), 50); // a change the region announces
}

// Draws a page: after the first one (where the skip link is the first stop), its heading is
// focused, so a screen reader says where the customer is, unless a field should be (`focus`: a
// selector, the code field of a code page).
export function render(title, children, focus) {
  document.title = `${title} · ${t('title')}`;
  const heading = h('h2', { tabindex: '-1' }, title);
  document.getElementById('view').replaceChildren(heading, ...[children].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  announce(state.flash);
  state.flash = null;
  if (state.ready || focus) (document.querySelector(`#view ${focus || 'h2'}`) || heading).focus();
}

// An API error as the page says it: by field (what it should hold) or by the error's code; the
// API's own messages are English, for developers.
const FIELD_KINDS = {
  email: 'invalid_email', phone: 'invalid_phone', code: 'invalid_code', email_code: 'invalid_code',
  phone_code: 'invalid_code', date_of_birth: 'invalid_date', password: 'invalid_password',
  new_password: 'invalid_password', full_name: 'invalid_name',
};
const said = (error) => ({
  message: words('error', error.code),
  fields: error.fields.map(({ field: name }) => ({ field: name, message: t(FIELD_KINDS[name.split('.').pop()] ?? 'invalid') })),
});
export const wrong = (error) => (error instanceof ApiError ? said(error).message : words('error', ''));
const fail = (target, error) => showErrors(target, error instanceof ApiError ? said(error) : {}, words('error', ''));

// A form's call: its errors shown on the form, else `then` with the answer.
export async function submitted(target, call, then) {
  let answer;
  try {
    answer = await call();
  } catch (error) {
    if (error instanceof SessionEnded) throw error; // the router sends the customer to sign in
    return fail(target, error);
  }
  return then(answer);
}

export const notice = (text) => h('p', { class: 'notice' }, text);
export const empty = () => h('p', { class: 'empty' }, t('nothing'));

// After a sign-in (or the choice that follows the first one): back to where the customer was.
export function resume() {
  const to = tab.get('returnTo') || '#/me';
  tab.drop('returnTo');
  go(to);
}
