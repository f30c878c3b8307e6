// The privacy centre: guest pages (register, sign in, recover, complain) and the customer's pages.
import { Api, ApiError } from './aws.js';
import { SignIn } from './auth.js';
import { TEXT } from './i18n.js';
import { qrCode } from './qr.js';
import { checkbox, field, form, h, showErrors, table } from './ui.js';

const state = { lang: 'vi', api: null, auth: null, config: null, customer: false, email: '', pending: {} };
const t = (key) => TEXT[state.lang][key] ?? key;
const view = () => document.getElementById('view');

function render(title, ...children) {
  document.title = `${title} · ${t('title')}`;
  const heading = h('h2', { tabindex: '-1' }, title);
  const flash = state.flash ? notice(state.flash) : null;
  state.flash = null;
  view().replaceChildren(heading, flash || '', ...children.flat(Infinity));
  heading.focus();
}

const notice = (text) => h('p', { class: 'notice', role: 'status' }, text);
const go = (route) => {
  window.location.hash = route;
};
const fail = (target, error) => showErrors(target, error instanceof ApiError ? said(error) : {}, t('error'));

// An API error as the page says it, in its language: the API's own texts are English, for
// developers. Each field by what it holds, the rest by the error's code.
const FIELD_KINDS = {
  email: 'invalid_email',
  phone: 'invalid_phone',
  code: 'invalid_code',
  email_code: 'invalid_code',
  phone_code: 'invalid_code',
  date_of_birth: 'invalid_date',
  password: 'invalid_password',
  new_password: 'invalid_password',
};
const wrong = (error) => (error instanceof ApiError ? said(error).message : t('error'));
const said = (error) => ({
  message: TEXT[state.lang][`code_${error.code}`] ?? t('error'),
  fields: error.fields.map(({ field: name }) => ({
    field: name,
    message: t(FIELD_KINDS[name.split('.').pop()] ?? 'invalid'),
  })),
});
const when = (value) => (value ? new Date(value).toLocaleString(state.lang === 'vi' ? 'vi-VN' : 'en-GB') : '');

// Guest pages
async function home() {
  render(t('home'), h('p', {}, t('intro')));
}

async function register() {
  const policy = await state.api.call('GET', '/v1/policy');
  const submit = async (data, target) => {
    const optional = {};
    for (const key of ['company', 'address', 'date_of_birth', 'preferred_language']) {
      if (data[key]) optional[key] = data[key];
    }
    const body = {
      full_name: data.full_name,
      phone: data.phone,
      email: data.email,
      optional,
      consents: {
        privacy_policy: data['consents.privacy_policy'] ? policy.privacy_policy : '',
        terms: data['consents.terms'] ? policy.terms : '',
        marketing: data['consents.marketing'],
        product_updates: data['consents.product_updates'],
      },
    };
    const missing = ['consents.privacy_policy', 'consents.terms'].filter((name) => !data[name]);
    if (missing.length) {
      showErrors(target, { fields: missing.map((name) => ({ field: name, message: t('required') })) });
      return;
    }
    await posted(target, '/v1/registrations', body, (started) => {
      state.pending.registration = started.registration_id;
      go('#/register/verify');
    });
  };
  render(
    t('register'),
    form(
      submit,
      t('continue'),
      field('full_name', t('fullName'), { autocomplete: 'name', required: true, maxlength: 100 }),
      field('phone', t('phone'), { type: 'tel', autocomplete: 'tel', required: true }),
      field('email', t('email'), { type: 'email', autocomplete: 'email', required: true }),
      field('company', t('company'), { autocomplete: 'organization', maxlength: 200 }),
      field('address', t('address'), { autocomplete: 'street-address', maxlength: 200 }),
      field('date_of_birth', t('dateOfBirth'), { type: 'date', autocomplete: 'bday' }),
      field('preferred_language', t('preferredLanguage'), {
        options: [['vi', t('vi')], ['en', t('en')]],
      }),
      h(
        'fieldset',
        {},
        h('legend', {}, `${t('policyVersion')} ${policy.privacy_policy}`),
        h('p', { class: 'policy' }, t('policyText')),
        checkbox('consents.privacy_policy', t('acceptPolicy')),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, `${t('termsVersion')} ${policy.terms}`),
        h('p', { class: 'policy' }, t('termsText')),
        checkbox('consents.terms', t('acceptTerms')),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, t('consents')),
        checkbox('consents.marketing', t('marketing')),
        checkbox('consents.product_updates', t('product_updates')),
      ),
    ),
  );
}

const CODE = { inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: 6 };

// Where the two codes sent are entered, with `fields` besides them, and "send the codes again".
const codesPage = (title, submit, resendPath, ...fields) =>
  render(
    title,
    h('p', {}, t('codesSent')),
    form(submit, t('verify'), field('email_code', t('emailCode'), CODE), field('phone_code', t('phoneCode'), CODE), ...fields),
    resendButton(resendPath),
  );

// "Send the codes again" (POST .../resend), its outcome announced next to it.
function resendButton(path) {
  const status = h('p', { role: 'status' });
  const resend = async () => {
    try {
      await state.api.call('POST', path, {});
      status.textContent = t('resent');
    } catch (error) {
      status.textContent = wrong(error);
    }
  };
  return [h('button', { type: 'button', class: 'secondary', onclick: resend }, t('resend')), status];
}

// A form's POST: its errors shown on the form, else `then` with the answer.
async function posted(target, path, body, then) {
  let answer;
  try {
    answer = await state.api.call('POST', path, body);
  } catch (error) {
    return fail(target, error);
  }
  return then(answer);
}

// Both codes proved a pending registration or recovery: on to sign in.
const proven = (pending, message) => () => {
  delete state.pending[pending];
  state.flash = message;
  go('#/sign-in');
};

const differ = (target, name) =>
  showErrors(target, { fields: [{ field: name, message: t('passwordsDiffer') }] });

async function verifyRegistration() {
  const id = state.pending.registration;
  if (!id) return go('#/register');
  const submit = async (data, target) => {
    if (data.password !== data.password_repeat) return differ(target, 'password_repeat');
    const body = { email_code: data.email_code, phone_code: data.phone_code, password: data.password };
    await posted(target, `/v1/registrations/${id}/verification`, body, proven('registration', t('registered')));
  };
  codesPage(
    t('verify'),
    submit,
    `/v1/registrations/${id}/resend`,
    field('password', t('password'), { type: 'password', autocomplete: 'new-password', required: true }),
    field('password_repeat', t('passwordRepeat'), { type: 'password', autocomplete: 'new-password', required: true }),
  );
}

// Recovery (API.md, Account lifecycle): both addresses, then both codes and what to recover.
async function recover() {
  const submit = async (data, target) => {
    await posted(target, '/v1/recoveries', { email: data.email, phone: data.phone }, (started) => {
      state.pending.recovery = started.recovery_id;
      go('#/recover/verify');
    });
  };
  render(
    t('recover'),
    h('p', {}, t('recoverHelp')),
    form(
      submit,
      t('continue'),
      field('email', t('email'), { type: 'email', autocomplete: 'email', required: true }),
      field('phone', t('phone'), { type: 'tel', autocomplete: 'tel', required: true }),
    ),
  );
}

async function verifyRecovery() {
  const id = state.pending.recovery;
  if (!id) return go('#/recover');
  const submit = async (data, target) => {
    if (!data.new_password && !data.reset_mfa) {
      return showErrors(target, { fields: [{ field: 'new_password', message: t('recoverNothing') }] });
    }
    if (data.new_password !== data.new_password_repeat) return differ(target, 'new_password_repeat');
    const body = { email_code: data.email_code, phone_code: data.phone_code, reset_mfa: data.reset_mfa };
    if (data.new_password) body.new_password = data.new_password;
    await posted(target, `/v1/recoveries/${id}/verification`, body, proven('recovery', t('recovered')));
  };
  codesPage(
    t('recoverVerify'),
    submit,
    `/v1/recoveries/${id}/resend`,
    field('new_password', t('newPassword'), { type: 'password', autocomplete: 'new-password' }),
    field('new_password_repeat', t('newPasswordRepeat'), { type: 'password', autocomplete: 'new-password' }),
    checkbox('reset_mfa', t('resetMfa')),
  );
}

// An authenticator app's enrolment: its QR code (drawn in the page), its key, a form for its code.
function enrolment(secret, onsubmit) {
  const uri = `otpauth://totp/OnGPT:${encodeURIComponent(state.email)}?secret=${secret}&issuer=OnGPT`;
  return [
    h('p', {}, t('mfaSetupHelp')),
    qrCode(uri, t('mfaSetup')),
    h('p', {}, `${t('secretKey')}: `, h('code', { id: 'totp-secret' }, secret)),
    form(onsubmit, t('verify'), field('code', t('totpCode'), CODE)),
  ];
}

async function signIn() {
  const signedIn = (session) => {
    state.api.signedIn(session);
    state.customer = true;
    renderNav();
    go('#/me');
  };
  const step = async (outcome, target) => {
    if (outcome.done) return signedIn(outcome.done);
    if (outcome.error) {
      const { code, message } = outcome.error;
      const disabled = message === 'User is disabled.'; // Cognito's words for a closed account
      const wrong = code === 'NotAuthorizedException';
      return showErrors(target, {
        message: disabled ? t('accountDisabled') : wrong ? t('wrongPassword') : message,
      });
    }
    if (outcome.setup) return enrol(outcome.setup);
    return mfa(outcome.totp ? 'totp' : 'sms');
  };
  const mfa = (kind) =>
    render(
      t(kind === 'totp' ? 'totpCode' : 'smsCode'),
      form(
        async (data, target) => step(await state.auth.answer(data.code, kind), target),
        t('verify'),
        field('code', t(kind === 'totp' ? 'totpCode' : 'smsCode'), CODE),
      ),
    );
  const enrol = (secret) =>
    render(
      t('mfaSetup'),
      enrolment(secret, async (data, target) => step(await state.auth.enrol(data.code), target)),
    );
  render(
    t('signIn'),
    form(
      async (data, target) => {
        state.email = data.email;
        await step(await state.auth.start(data.email, data.password), target);
      },
      t('signIn'),
      field('email', t('email'), { type: 'email', autocomplete: 'username', required: true }),
      field('password', t('password'), { type: 'password', autocomplete: 'current-password', required: true }),
    ),
  );
}

async function complain() {
  const submit = async (data, target) => {
    const body = { category: data.category, subject: data.subject, message: data.message };
    if (!state.customer) {
      body.contact = { name: data.contact_name };
      if (data['contact.email']) body.contact.email = data['contact.email'];
      if (data['contact.phone']) body.contact.phone = data['contact.phone'];
    }
    try {
      const filed = await state.api.call('POST', '/v1/complaints', body);
      render(t('complain'), notice(`${t('complaintFiled')} ${filed.complaint_id}`));
    } catch (error) {
      fail(target, error);
    }
  };
  const contact = state.customer
    ? []
    : [
        field('contact_name', t('contactName'), { autocomplete: 'name' }),
        field('contact.email', t('email'), { type: 'email', autocomplete: 'email' }),
        field('contact.phone', t('phone'), { type: 'tel', autocomplete: 'tel' }),
      ];
  render(
    t('complain'),
    form(
      submit,
      t('send'),
      field('category', t('category'), {
        options: ['privacy', 'billing', 'service', 'other'].map((c) => [c, t(c)]),
      }),
      field('subject', t('subject'), { required: true, maxlength: 200 }),
      field('message', t('message'), { multiline: true, required: true, maxlength: 5000 }),
      ...contact,
    ),
  );
}

// Customer pages
const OPTIONAL_LABELS = {
  company: 'company', address: 'address', date_of_birth: 'dateOfBirth', preferred_language: 'preferredLanguage',
};

async function me() {
  const profile = await state.api.call('GET', '/v1/me');
  const rows = [
    [t('fullName'), profile.full_name],
    [t('email'), profile.email],
    [t('phone'), profile.phone],
    ...Object.entries(profile.optional || {})
      .filter(([key, value]) => value && OPTIONAL_LABELS[key])
      .map(([key, value]) => [t(OPTIONAL_LABELS[key]).replace(/ \(.*\)$/, ''), value]),
    [t('status'), profile.status],
    [t('createdAt'), when(profile.created_at)],
    [t('updatedAt'), when(profile.updated_at)],
  ];
  render(
    t('myData'),
    h('dl', { class: 'profile' }, rows.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
  );
}

async function consents() {
  const { consents: list } = await state.api.call('GET', '/v1/me/consents');
  const change = (purpose, granted) => async () => {
    await state.api.call('PUT', `/v1/me/consents/${encodeURIComponent(purpose)}`, { granted });
    state.flash = `${t(purpose)}: ${t(granted ? 'granted' : 'withdrawn')}`;
    await consents();
  };
  render(
    t('consents'),
    table(
      [t('purpose'), t('status'), t('updatedAt'), t('action')],
      list.map((consent) => [
        t(consent.purpose),
        t(consent.granted ? 'granted' : 'withdrawn'),
        when(consent.updated_at),
        h(
          'button',
          { type: 'button', onclick: change(consent.purpose, !consent.granted), 'data-purpose': consent.purpose },
          `${t(consent.granted ? 'withdraw' : 'grant')}: ${t(consent.purpose)}`,
        ),
      ]),
    ),
  );
}

async function edits() {
  const { edit_requests: list } = await state.api.call('GET', '/v1/me/edit-requests');
  const withdraw = (id) => async () => {
    await state.api.call('POST', `/v1/me/edit-requests/${id}/withdraw`, {});
    await edits();
  };
  const verify = (request) =>
    form(
      async (data, target) => {
        const body = {};
        if (data.email_code) body.email_code = data.email_code;
        if (data.phone_code) body.phone_code = data.phone_code;
        try {
          await state.api.call('POST', `/v1/me/edit-requests/${request.edit_request_id}/verification`, body);
          await edits();
        } catch (error) {
          fail(target, error);
        }
      },
      t('verify'),
      h('p', {}, t('editVerify')),
      field('email_code', t('emailCode'), { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 }),
      field('phone_code', t('phoneCode'), { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 }),
    );
  const submit = async (data, target) => {
    const changes = {};
    for (const key of ['full_name', 'email', 'phone']) if (data[key]) changes[key] = data[key];
    try {
      await state.api.call('POST', '/v1/me/edit-requests', { changes, reason: data.reason });
      state.flash = t('editFiled');
      await edits();
    } catch (error) {
      fail(target, error);
    }
  };
  render(
    t('edits'),
    list.length
      ? table(
          [t('createdAt'), t('status'), t('action')],
          list.map((request) => [
            when(request.created_at),
            request.status,
            ['PENDING_VERIFICATION', 'PENDING_REVIEW'].includes(request.status)
              ? h('button', { type: 'button', class: 'secondary', onclick: withdraw(request.edit_request_id) }, t('withdraw'))
              : '',
          ]),
        )
      : h('p', {}, t('nothing')),
    list.filter((request) => request.status === 'PENDING_VERIFICATION').map(verify),
    h('h3', {}, t('newEdit')),
    form(
      submit,
      t('send'),
      field('full_name', t('fullName'), { autocomplete: 'name', maxlength: 100 }),
      field('email', t('email'), { type: 'email', autocomplete: 'email' }),
      field('phone', t('phone'), { type: 'tel', autocomplete: 'tel' }),
      field('reason', t('reason'), { required: true, maxlength: 500 }),
    ),
  );
}

function listPage(titleKey, path, key, columns) {
  return async () => {
    const answer = await state.api.call('GET', path);
    const rows = answer[key] || [];
    render(
      t(titleKey),
      rows.length
        ? table(columns.map(([label]) => t(label)), rows.map((row) => columns.map(([, pick]) => pick(row))))
        : h('p', {}, t('nothing')),
    );
  };
}

const contracts = listPage('contracts', '/v1/me/contracts', 'contracts', [
  ['plan', (c) => c.plan],
  ['status', (c) => c.status],
  ['startsAt', (c) => when(c.starts_at)],
  ['expiresAt', (c) => when(c.expires_at)],
]);
const notifications = listPage('notifications', '/v1/me/notifications', 'notifications', [
  ['type', (n) => n.type],
  ['channel', (n) => n.channel],
  ['sentAt', (n) => when(n.sent_at)],
]);
const disclosures = listPage('disclosures', '/v1/me/disclosures', 'disclosures', [
  ['recipient', (d) => d.recipient],
  ['legalBasis', (d) => d.legal_basis],
  ['createdAt', (d) => when(d.disclosed_at || d.created_at)],
]);

async function exportPage() {
  const status = h('p', { role: 'status' });
  const download = async () => {
    const data = await state.api.call('GET', '/v1/me/export');
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const link = h('a', { href: URL.createObjectURL(blob), download: 'ongpt-my-data.json' });
    document.body.append(link);
    link.click();
    link.remove();
    status.textContent = t('downloaded');
  };
  render(t('export'), h('p', {}, t('exportHelp')), h('button', { type: 'button', onclick: download }, t('download')), status);
}

// The customer's authenticator app: enrol one when there is none (after a recovery removed it).
async function security() {
  if (await state.auth.hasAuthenticatorApp()) return render(t('security'), h('p', {}, t('appEnrolled')));
  const status = h('p', { role: 'status' });
  const finish = async (data, target) => {
    try {
      await state.auth.finishEnrolment(data.code);
    } catch (error) {
      return showErrors(target, { fields: [{ field: 'code', message: t('code_INVALID_CODE') }] });
    }
    state.flash = t('appAdded');
    await security();
  };
  const begin = async () => {
    try {
      render(t('mfaSetup'), enrolment(await state.auth.startEnrolment(), finish));
    } catch (error) {
      status.textContent = wrong(error);
    }
  };
  render(t('security'), h('p', {}, t('noApp')), h('button', { type: 'button', onclick: begin }, t('startEnrolment')), status);
}

// Closure (API.md): what it does, the customer's confirmation, then the date of erasure.
async function closure() {
  const submit = async (data, target) => {
    if (!data.confirm) return showErrors(target, { fields: [{ field: 'confirm', message: t('required') }] });
    try {
      const closing = await state.api.call('POST', '/v1/me/closure', data.reason ? { reason: data.reason } : {});
      endSession(`${t('closed')} ${when(closing.erase_after)}`);
    } catch (error) {
      fail(target, error);
    }
  };
  render(
    t('closure'),
    h('p', {}, t('closureHelp')),
    form(
      submit,
      t('closeAccount'),
      field('reason', t('closureReason'), { multiline: true, maxlength: 2000 }),
      checkbox('confirm', t('closureConfirm')),
    ),
  );
}

// Signs out everywhere (every refresh token revoked), then drops this browser's session.
async function signOut() {
  try {
    await state.api.call('POST', '/v1/me/sign-out');
    endSession(t('signedOut'));
  } catch (error) {
    endSession(`${t('signOutFailed')} ${wrong(error)}`);
  }
}

function endSession(message) {
  state.auth.signOut();
  state.api.signedOut();
  state.customer = false;
  renderNav();
  state.flash = message;
  if (window.location.hash === '#/') route();
  else go('#/');
}

const GUEST = {
  '#/': home, '#/register': register, '#/register/verify': verifyRegistration, '#/sign-in': signIn,
  '#/recover': recover, '#/recover/verify': verifyRecovery, '#/complain': complain,
};
const CUSTOMER = {
  '#/me': me, '#/edits': edits, '#/consents': consents, '#/contracts': contracts,
  '#/notifications': notifications, '#/disclosures': disclosures, '#/export': exportPage, '#/complain': complain,
  '#/security': security, '#/closure': closure,
};

function renderNav() {
  const links = state.customer
    ? [['#/me', 'myData'], ['#/edits', 'edits'], ['#/consents', 'consents'], ['#/contracts', 'contracts'],
       ['#/notifications', 'notifications'], ['#/disclosures', 'disclosures'], ['#/export', 'export'], ['#/complain', 'complain'],
       ['#/security', 'security'], ['#/closure', 'closure']]
    : [['#/', 'home'], ['#/register', 'register'], ['#/sign-in', 'signIn'], ['#/recover', 'recover'], ['#/complain', 'complain']];
  const items = links.map(([href, key]) => h('li', {}, h('a', { href }, t(key))));
  if (state.customer) items.push(h('li', {}, h('button', { type: 'button', class: 'link', onclick: signOut }, t('signOut'))));
  document.getElementById('nav').replaceChildren(h('ul', {}, items));
  document.getElementById('site-title').textContent = t('title');
  document.getElementById('skip').textContent = t('skip');
  const language = document.getElementById('language');
  language.textContent = t('language');
  language.setAttribute('aria-label', t('languageLabel'));
  language.setAttribute('lang', state.lang === 'vi' ? 'en' : 'vi');
  document.documentElement.lang = state.lang;
}

async function route() {
  const hash = window.location.hash || '#/';
  const page = (state.customer ? CUSTOMER : GUEST)[hash];
  if (!page) return render(t('notFound'));
  view().setAttribute('aria-busy', 'true');
  try {
    await page();
  } catch (error) {
    render(t('error'), h('p', { role: 'alert' }, wrong(error)));
  } finally {
    view().removeAttribute('aria-busy');
  }
}

async function start() {
  state.config = await (await fetch('config.json', { cache: 'no-store' })).json();
  state.api = new Api(state.config);
  state.auth = new SignIn(state.config);
  document.getElementById('language').addEventListener('click', () => {
    state.lang = state.lang === 'vi' ? 'en' : 'vi';
    renderNav();
    route();
  });
  renderNav();
  window.addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'true';
}

start();
