// Guest pages: the policy, registration and its codes, sign-in with MFA, recovery and its codes,
// and a complaint (customers file theirs here too).
import { CODE, appSetup, passwordField, resendButton, sentTo } from './codes.js';
import { lastDigits, signInName, toE164, versionOf } from './format.js';
import { flash, go, notice, render, state, submitted, t, tab, words } from './app.js';
import { checkbox, field, form, h, showErrors } from './ui.js';

const PHONE = { type: 'tel', autocomplete: 'tel', inputmode: 'tel' };
const phoneHint = () => t('phoneHint');
// A phone number as the API stores it; as typed when it is none (the API then says why).
const phoneOf = (typed) => toE164(typed) || typed;

export async function home() {
  render(t('home'), [
    h('p', {}, t('intro')),
    h('ul', { class: 'actions' },
      h('li', {}, h('a', { href: '#/register' }, t('register'))),
      h('li', {}, h('a', { href: '#/sign-in' }, t('signIn'))),
      h('li', {}, h('a', { href: '#/policy' }, t('readPolicy')))),
  ]);
}

// What we use personal data for (GET /v1/policy), in words.
export const purposesList = (policy) =>
  h('ul', { class: 'purposes' }, policy.purposes.map((p) => h('li', {}, words('policyPurpose', p.purpose))));

// The policy and the terms in force, to read before accepting them or after.
export async function policyPage() {
  const policy = await state.api.call('GET', '/v1/policy');
  render(t('policyTitle'), [
    h('section', { 'aria-labelledby': 'policy-h' },
      h('h3', { id: 'policy-h' }, `${words('document', 'privacy_policy')}, ${t('version')} ${versionOf(policy.privacy_policy, state.lang)}`),
      h('p', {}, t('policyText')), h('h4', {}, t('purposesTitle')), purposesList(policy), h('p', {}, t('noSharing'))),
    h('section', { 'aria-labelledby': 'terms-h' },
      h('h3', { id: 'terms-h' }, `${words('document', 'terms')}, ${t('version')} ${versionOf(policy.terms, state.lang)}`),
      h('p', {}, t('termsText'))),
  ]);
}

export async function register() {
  const policy = await state.api.call('GET', '/v1/policy');
  const submit = async (data, target) => {
    const missing = ['consents.privacy_policy', 'consents.terms'].filter((name) => !data[name]);
    if (missing.length) {
      return showErrors(target, { fields: missing.map((name) => ({ field: name, message: t('required') })) });
    }
    const optional = {};
    for (const key of ['company', 'address', 'date_of_birth', 'preferred_language']) if (data[key]) optional[key] = data[key];
    const phone = phoneOf(data.phone);
    const body = {
      full_name: data.full_name, phone, email: data.email, optional,
      consents: {
        privacy_policy: policy.privacy_policy, terms: policy.terms,
        marketing: data['consents.marketing'], product_updates: data['consents.product_updates'],
      },
    };
    await submitted(target, () => state.api.call('POST', '/v1/registrations', body), (started) => {
      tab.set('registration', { id: started.registration_id, email: data.email, phone, sentAt: Date.now() });
      go('#/register/verify');
    });
  };
  const accepted = (name, version, text) =>
    h('fieldset', {}, h('legend', {}, `${words('document', name)}, ${t('version')} ${versionOf(version, state.lang)}`),
      h('p', { class: 'policy' }, text), checkbox(`consents.${name}`, t(name === 'terms' ? 'acceptTerms' : 'acceptPolicy')));
  render(t('register'), form(submit, t('continue'), t('sending'),
    field('full_name', t('fullName'), { autocomplete: 'name', required: true, maxlength: 100 }),
    field('phone', t('phone'), { ...PHONE, required: true, hint: phoneHint() }),
    field('email', t('email'), { type: 'email', autocomplete: 'email', required: true, hint: t('emailHint') }),
    field('company', t('company'), { autocomplete: 'organization', maxlength: 200 }),
    field('address', t('address'), { autocomplete: 'street-address', maxlength: 200 }),
    field('date_of_birth', t('dateOfBirth'), { type: 'date', autocomplete: 'bday' }),
    field('preferred_language', t('preferredLanguage'), { options: ['vi', 'en'].map((l) => [l, words('language', l)]), value: state.lang }),
    accepted('privacy_policy', policy.privacy_policy, [t('policyText'), ' ', t('purposesTitle'), ' ',
      policy.purposes.map((p) => words('policyPurpose', p.purpose)).join('; '), '.']),
    accepted('terms', policy.terms, t('termsText')),
    h('fieldset', {}, h('legend', {}, t('yourChoices')),
      checkbox('consents.marketing', words('consent', 'marketing')),
      checkbox('consents.product_updates', words('consent', 'product_updates'))),
  ));
}

const differ = (target, name) => showErrors(target, { fields: [{ field: name, message: t('passwordsDiffer') }] });

// The codes' page of a pending registration or recovery (kept in the tab: the codes are read in
// the mail or SMS app, which may unload this page).
function codesPage(title, pending, help, submit, resendPath, ...fields) {
  render(title, [
    h('p', {}, help),
    form(submit, t('verify'), t('checking'),
      field('email_code', t('emailCode'), CODE), field('phone_code', t('phoneCode'), CODE), ...fields),
    resendButton(pending, resendPath),
  ], '#f-email_code');
}

// Both codes proved a pending registration or recovery: on to sign in.
const proven = (pending, message) => () => {
  tab.drop(pending);
  flash(message);
  go('#/sign-in');
};

export async function verifyRegistration() {
  const pending = tab.get('registration');
  if (!pending) return go('#/register');
  const submit = (data, target) => {
    if (data.password !== data.password_repeat) return differ(target, 'password_repeat');
    const body = { email_code: data.email_code, phone_code: data.phone_code, password: data.password };
    return submitted(target, () => state.api.call('POST', `/v1/registrations/${pending.id}/verification`, body),
      proven('registration', t('registered')));
  };
  codesPage(t('codesTitle'), 'registration', `${sentTo(pending.email, pending.phone)} ${t('codesValid')}`, submit,
    `/v1/registrations/${pending.id}/resend`,
    passwordField('password', t('password')),
    field('password_repeat', t('passwordRepeat'), { type: 'password', autocomplete: 'new-password', required: true }));
}

// Recovery (API.md, Account lifecycle): both addresses, then both codes and what to recover.
export async function recover() {
  const submit = (data, target) => {
    const phone = phoneOf(data.phone);
    return submitted(target, () => state.api.call('POST', '/v1/recoveries', { email: data.email, phone }), (started) => {
      tab.set('recovery', { id: started.recovery_id, email: data.email, phone, sentAt: Date.now() });
      go('#/recover/verify');
    });
  };
  render(t('recover'), [h('p', {}, t('recoverHelp')), form(submit, t('continue'), t('sending'),
    field('email', t('email'), { type: 'email', autocomplete: 'email', required: true, hint: t('emailHint') }),
    field('phone', t('phone'), { ...PHONE, required: true, hint: phoneHint() }))]);
}

export async function verifyRecovery() {
  const pending = tab.get('recovery');
  if (!pending) return go('#/recover');
  const submit = (data, target) => {
    if (!data.new_password && !data.reset_mfa) {
      return showErrors(target, { fields: [{ field: 'new_password', message: t('recoverNothing') }] });
    }
    if (data.new_password !== data.new_password_repeat) return differ(target, 'new_password_repeat');
    const body = { email_code: data.email_code, phone_code: data.phone_code, reset_mfa: data.reset_mfa };
    if (data.new_password) body.new_password = data.new_password;
    return submitted(target, () => state.api.call('POST', `/v1/recoveries/${pending.id}/verification`, body),
      proven('recovery', t('recovered')));
  };
  codesPage(t('recoverVerify'), 'recovery', `${t('recoverSentIf')} ${sentTo(pending.email, pending.phone)} ${t('codesValid')}`,
    submit, `/v1/recoveries/${pending.id}/resend`,
    passwordField('new_password', t('newPassword'), false),
    field('new_password_repeat', t('newPasswordRepeat'), { type: 'password', autocomplete: 'new-password' }),
    checkbox('reset_mfa', t('resetMfa')));
}

// Cognito's sign-in errors in words that never say whether an account exists (the app client
// prevents user existence errors: every refusal is NotAuthorizedException).
const SIGN_IN_ERRORS = {
  NotAuthorizedException: 'signInRefused', CodeMismatchException: 'wrongCode', ExpiredCodeException: 'codeExpiredSignIn',
  EnableSoftwareTokenMFAException: 'wrongCode', TooManyRequestsException: 'tooManyTries', LimitExceededException: 'tooManyTries',
  TooManyFailedAttemptsException: 'tooManyTries',
};

export function signIn(signedIn) {
  let account = '';
  const step = async (outcome, target) => {
    if (outcome.done) return signedIn(outcome.done);
    if (outcome.error) return showErrors(target, { message: t(SIGN_IN_ERRORS[outcome.error.code] || 'signInFailed') });
    if (outcome.setup) return appStep(await state.auth.appSecret());
    return mfaStep(outcome.totp ? 'totp' : 'sms', outcome.sms);
  };
  const mfaStep = (kind, destination) => {
    const digits = lastDigits(destination);
    const help = kind === 'totp' ? t('totpHelp') : digits ? t('smsSentTo').replace('{digits}', digits) : t('smsSent');
    render(t(kind === 'totp' ? 'totpTitle' : 'smsTitle'), [h('p', {}, help), form(
      async (data, target) => step(await state.auth.answer(data.code, kind), target), t('verify'), t('checking'),
      field('code', t(kind === 'totp' ? 'totpCode' : 'smsCode'), CODE))], '#f-code');
  };
  const appStep = async (secret) =>
    render(t('appSetupTitle'), await appSetup(secret, account, async (data, target) => step(await state.auth.enrol(data.code), target)), '#f-code');
  const returning = tab.get('returnTo') ? h('p', {}, t('signInToContinue')) : null;
  render(t('signIn'), [returning, form(
    async (data, target) => {
      account = signInName(data.username);
      state.account = account;
      await step(await state.auth.start(account, data.password), target);
    }, t('signIn'), t('checking'),
    field('username', t('emailOrPhone'), { autocomplete: 'username', required: true, hint: t('emailOrPhoneHint') }),
    field('password', t('password'), { type: 'password', autocomplete: 'current-password', required: true })),
  h('p', {}, h('a', { href: '#/recover' }, t('forgot')))]);
  // The user pool's library, fetched while the customer types (a failure is said on sending).
  state.auth.load().catch(() => null);
}

// A complaint: a guest leaves a contact; a customer's account contact is used.
export async function complain() {
  const submit = (data, target) => {
    const body = { category: data.category, subject: data.subject, message: data.message };
    if (!state.customer) {
      body.contact = { name: data.contact_name };
      if (data['contact.email']) body.contact.email = data['contact.email'];
      if (data['contact.phone']) body.contact.phone = phoneOf(data['contact.phone']);
    }
    return submitted(target, () => state.api.call('POST', '/v1/complaints', body), () => {
      render(t('complain'), [notice(t('complaintFiled')), h('p', {}, t('referenceHelp')),
        state.customer ? h('p', {}, h('a', { href: '#/complaints' }, t('complaints'))) : null]);
    });
  };
  const contact = state.customer ? [] : [
    h('p', {}, t('contactHelp')),
    field('contact_name', t('contactName'), { autocomplete: 'name' }),
    field('contact.email', t('email'), { type: 'email', autocomplete: 'email', hint: t('emailHint') }),
    field('contact.phone', t('phone'), { ...PHONE, hint: phoneHint() }),
  ];
  render(t('complain'), form(submit, t('send'), t('sending'),
    field('category', t('category'), { options: ['privacy', 'billing', 'service', 'other'].map((c) => [c, words('complaintCategory', c)]) }),
    field('subject', t('subject'), { required: true, maxlength: 200 }),
    field('message', t('message'), { multiline: true, required: true, maxlength: 5000 }),
    ...contact));
}

