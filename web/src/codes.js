// What the code pages share: where the codes went (masked), "send again" with a countdown
// instead of a refusal, password rules shown before typing and checked as typed, an
// authenticator app's set-up (a link and a key on a phone, a QR code on a desk).
import { ApiError } from './aws.js';
import { emailMasked, phoneMasked } from './format.js';
import { state, t, tab, wrong } from './app.js';
import { field, fieldId, form, h, working } from './ui.js';

const RESEND_AFTER_S = 60; // API.md: a resend within 60 s is refused (429)

export const CODE = { inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 6 };

// "We sent a code to a***@example.com and 0912 *** 678."
export const sentTo = (email, phone) =>
  t('codesSentTo').replace('{email}', emailMasked(email)).replace('{phone}', phoneMasked(phone));

// "Send the codes again", counting down from the last send of the pending flow `pending` (kept
// in the tab, so a reload goes on counting); a refusal restarts the count.
export function resendButton(pending, path) {
  const status = h('p', { class: 'hint', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary' });
  const left = () => Math.max(0, RESEND_AFTER_S - Math.floor((Date.now() - (tab.get(pending)?.sentAt || 0)) / 1000));
  const tick = () => {
    const seconds = left();
    button.disabled = seconds > 0;
    button.textContent = seconds > 0 ? t('resendIn').replace('{s}', seconds) : t('resend');
    if (seconds > 0) setTimeout(() => button.isConnected && tick(), 1000); // until the page changes
  };
  const restart = () => tab.set(pending, { ...tab.get(pending), sentAt: Date.now() });
  button.addEventListener('click', () =>
    working(button, t('sending'), async () => {
      try {
        await state.api.call('POST', path, {});
        status.textContent = t('resent');
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 429)) {
          status.textContent = wrong(error);
          return;
        }
      }
      restart();
    }).then(tick));
  tick();
  return [button, status];
}

// The pool's password policy (infra/identity.py), each rule shown before typing and marked as met
// while typing.
const RULES = [
  ['ruleLength', (p) => p.length >= 12],
  ['ruleLower', (p) => /[a-z]/.test(p)],
  ['ruleUpper', (p) => /[A-Z]/.test(p)],
  ['ruleDigit', (p) => /\d/.test(p)],
  ['ruleSymbol', (p) => /[^A-Za-z0-9]/.test(p)],
];

export function passwordField(name, label, required = true) {
  const wrapper = field(name, label, { type: 'password', autocomplete: 'new-password', required });
  const id = fieldId(name);
  const items = RULES.map(([key]) => h('li', {}, t(key), h('span', { class: 'visually-hidden' }, '')));
  const rules = h('ul', { class: 'rules', id: `${id}-rules` }, items);
  const input = wrapper.querySelector('input');
  input.setAttribute('aria-describedby', `${id}-rules ${id}-error`);
  input.addEventListener('input', () => RULES.forEach(([, met], n) => {
    const ok = met(input.value);
    items[n].classList.toggle('met', ok);
    items[n].lastChild.textContent = ok ? ` (${t('ruleMet')})` : '';
  }));
  wrapper.insertBefore(h('p', { class: 'hint' }, t('rulesIntro')), input);
  wrapper.insertBefore(rules, input);
  return wrapper;
}

// An authenticator app's set-up: the otpauth:// link (opens the app on a phone), the key to copy
// or type, the QR code for a phone's camera (on a desk), then its first code. The QR code's
// generator is loaded here, the one page that draws one.
export async function appSetup(secret, account, onsubmit) {
  const { qrCode } = await import('./qr.js');
  const uri = `otpauth://totp/OnGPT:${encodeURIComponent(account)}?secret=${secret}&issuer=OnGPT`;
  const copied = h('span', { role: 'status', class: 'hint' });
  const copy = () => navigator.clipboard?.writeText(secret).then(() => (copied.textContent = t('copied')), () => null);
  return [
    h('p', {}, t('appSetupHelp')),
    h('p', {}, h('a', { href: uri, class: 'button' }, t('openApp'))),
    h('p', {}, `${t('secretKey')}: `, h('code', { id: 'totp-secret' }, secret), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: copy }, t('copyKey')), ' ', copied),
    h('div', { class: 'qr-box' }, h('p', {}, t('scanQr')), qrCode(uri, t('qrLabel'))),
    form(onsubmit, t('verify'), t('checking'), field('code', t('totpCode'), CODE)),
  ];
}
