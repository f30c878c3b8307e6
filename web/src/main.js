// The privacy centre: the pages by address (#/...), the menu, the tab's session (kept across a
// reload, Back or a deep link; ended sessions sent to sign in and back), the language. The
// customer's pages are a chunk of their own, loaded by the first of them.
import { Api, sdk } from './aws.js';
import { SignIn } from './auth.js';
import { complain, home, policyPage, recover, register, signIn, verifyRecovery, verifyRegistration } from './guest.js';
import { SessionEnded } from './session.js';
import { announce, flash, go, render, resume, state, t, tab, words, wrong } from './app.js';
import { h } from './ui.js';

const GUEST = 'guest';
const CUSTOMER = 'customer';
const ANYONE = 'anyone';

const customerPages = () => import('./customer.js');
const customerPage = (name, ...args) => async () => (await customerPages())[name](...args);
// What the customer's pages need, fetched while a sign-in or a kept session is being checked.
const prefetch = () => Promise.all([customerPages(), sdk()]).catch(() => null);

// Each page: who may see it, and the page.
const PAGES = {
  '#/': [GUEST, home],
  '#/register': [GUEST, register],
  '#/register/verify': [GUEST, verifyRegistration],
  '#/sign-in': [GUEST, () => signIn(signedIn)],
  '#/recover': [GUEST, recover],
  '#/recover/verify': [GUEST, verifyRecovery],
  '#/policy': [ANYONE, policyPage],
  '#/complain': [ANYONE, complain],
  '#/me': [CUSTOMER, customerPage('me')],
  '#/edits': [CUSTOMER, customerPage('edits')],
  '#/security': [CUSTOMER, customerPage('security')],
  '#/consents': [CUSTOMER, customerPage('consents')],
  '#/access-log': [CUSTOMER, customerPage('accessLog')],
  '#/disclosures': [CUSTOMER, customerPage('disclosures')],
  '#/export': [CUSTOMER, customerPage('exportPage')],
  '#/contracts': [CUSTOMER, customerPage('contracts')],
  '#/notifications': [CUSTOMER, customerPage('notifications')],
  '#/complaints': [CUSTOMER, customerPage('complaints')],
  '#/closure': [CUSTOMER, customerPage('closure', endSession)],
};

// The customer's menu, grouped; the guest's is short.
const MENU = {
  guest: [[null, [['#/', 'home'], ['#/register', 'register'], ['#/sign-in', 'signIn'], ['#/recover', 'recover'], ['#/complain', 'complain']]]],
  customer: [
    ['menuAccount', [['#/me', 'myData'], ['#/edits', 'edits'], ['#/security', 'security']]],
    ['menuPrivacy', [['#/consents', 'consents'], ['#/access-log', 'accessLog'], ['#/disclosures', 'disclosures'], ['#/export', 'export']]],
    ['menuService', [['#/contracts', 'contracts'], ['#/notifications', 'notifications'], ['#/complaints', 'complaints'], ['#/complain', 'complain']]],
    ['menuLeave', [['#/closure', 'closure']]],
  ],
};

function renderNav() {
  const here = window.location.hash || '#/';
  const groups = MENU[state.customer ? 'customer' : 'guest'].map(([label, links], n) => {
    const id = `menu-group-${n}`;
    return h('div', { class: 'menu-group' }, label ? h('p', { class: 'menu-label', id }, t(label)) : null,
      h('ul', { 'aria-labelledby': label ? id : null }, links.map(([href, key]) =>
        h('li', {}, h('a', { href, 'aria-current': href === here ? 'page' : null }, t(key))))));
  });
  if (state.customer) groups.push(h('div', { class: 'menu-group' }, h('button', { type: 'button', class: 'link', onclick: signOut }, t('signOut'))));
  // On a phone the customer's menu opens from a button; a guest's is short enough to show.
  const toggle = state.customer ? h('button', { type: 'button', class: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'menu-list' }, t('menu')) : null;
  const list = h('div', { id: 'menu-list', class: state.customer ? null : 'open' }, groups);
  toggle?.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    list.classList.toggle('open', open);
  });
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('menuLabel'));
  nav.replaceChildren(...[toggle, list].filter(Boolean));
  document.getElementById('site-title').textContent = t('title');
  document.getElementById('skip').textContent = t('skip');
  document.getElementById('footer').textContent = t('footer');
  const language = document.getElementById('language');
  language.textContent = t('language');
  language.setAttribute('aria-label', t('languageLabel'));
  language.setAttribute('lang', state.lang === 'vi' ? 'en' : 'vi');
  document.documentElement.lang = state.lang;
}

function signedIn(session) {
  prefetch();
  state.api.signedIn(session);
  state.customer = true;
  renderNav();
  // The first sign-in asks how later ones are confirmed (the security page), then goes on.
  state.auth.mfa().then((mfa) => (mfa.preferred || mfa.app ? resume() : go('#/security')), () => resume());
}

// Drops this tab's session; `message` says why on the page that follows.
function endSession(message, to = '#/') {
  state.auth.signOut();
  state.api.signedOut();
  state.customer = false;
  renderNav();
  flash(message);
  go(to);
}

// Signs out everywhere (every refresh token revoked), then drops this tab's session.
async function signOut(event) {
  event.currentTarget.disabled = true;
  try {
    await state.api.call('POST', '/v1/me/sign-out');
    endSession(t('signedOut'));
  } catch (error) {
    endSession(`${t('signOutFailed')} ${wrong(error)}`);
  }
}

// A session that ended (revoked or expired): to sign in, then back here.
function sessionEnded() {
  tab.set('returnTo', window.location.hash);
  endSession(t('sessionEnded'), '#/sign-in');
}

function notFound() {
  render(t('notFound'), [h('p', {}, t('notFoundHelp')), h('p', {}, h('a', { href: state.customer ? '#/me' : '#/' }, t('goHome')))]);
}

async function route() {
  const hash = window.location.hash || '#/';
  renderNav();
  const [who, page] = PAGES[hash] || [];
  if (!page) return notFound();
  if (who === CUSTOMER && !state.customer) {
    tab.set('returnTo', hash);
    flash(t('signInFirst'));
    return go('#/sign-in');
  }
  if (who === GUEST && state.customer) return go('#/me');
  const view = document.getElementById('view');
  view.setAttribute('aria-busy', 'true');
  view.replaceChildren(h('p', { class: 'loading' }, t('loading')));
  try {
    await page();
  } catch (error) {
    if (error instanceof SessionEnded) return sessionEnded();
    render(t('errorTitle'), h('p', { role: 'alert' }, wrong(error)));
  } finally {
    view.removeAttribute('aria-busy');
  }
}

async function start() {
  state.config = await (await fetch('config.json', { cache: 'no-store' })).json();
  state.api = new Api(state.config);
  state.auth = new SignIn(state.config);
  if (state.auth.kept()) prefetch();
  try {
    const session = await state.auth.restore();
    if (session) {
      state.api.signedIn(session);
      await state.api.credentials(); // a session revoked elsewhere ends here, whatever the page
      state.customer = true;
    }
  } catch (error) {
    if (!(error instanceof SessionEnded)) throw error;
    state.auth.signOut();
    state.api.signedOut();
    tab.set('returnTo', window.location.hash);
    flash(t('sessionEnded'));
    window.location.hash = '#/sign-in';
  }
  // An action (a form, a switch) that finds the session ended: to sign in, then back.
  window.addEventListener('unhandledrejection', (event) => {
    if (!(event.reason instanceof SessionEnded)) return;
    event.preventDefault();
    sessionEnded();
  });
  document.getElementById('language').addEventListener('click', () => {
    state.lang = state.lang === 'vi' ? 'en' : 'vi';
    tab.set('lang', state.lang);
    route();
  });
  document.getElementById('skip').addEventListener('click', (event) => {
    event.preventDefault(); // the address is the page's, not a place in it
    (document.querySelector('#view h2') || document.getElementById('view')).focus();
  });
  window.addEventListener('hashchange', route);
  await route();
  state.ready = true;
  document.body.dataset.ready = 'true';
}

start().catch((error) => {
  announce(words('error', ''));
  throw error;
});
