// The customer's pages: their data, edit requests, consents, contracts, notices, disclosures,
// who looked at their data, complaints, the export, sign-in security and closure.
import { ApiError } from './aws.js';
import { SessionEnded } from './session.js';
import { CODE, appSetup, passwordField } from './codes.js';
import { phoneMasked, phoneShown, toE164, today, versionOf } from './format.js';
import { purposesList } from './guest.js';
import { announce, day, empty, flash, render, resume, state, submitted, t, when, words, wrong } from './app.js';
import { consentOf, planOf } from './words.js';
import { checkbox, choices, field, form, h, pairs, records, showErrors, working } from './ui.js';

// Rows of each list, the same on its page and in the readable export.
const COLUMNS = {
  contracts: [
    ['plan', (c) => planOf(c.plan, state.lang)],
    ['status', (c) => words('contractStatus', c.status === 'ACTIVE' && Date.parse(c.expires_at) < Date.now() ? 'EXPIRED' : c.status)],
    ['startsOn', (c) => day(c.starts_at)],
    ['endsOn', (c) => day(c.expires_at)],
  ],
  notifications: [
    ['whatWasSent', (n) => words('notice', n.type)],
    ['channel', (n) => words('channel', n.channel)],
    ['sentAt', (n) => when(n.sent_at)],
  ],
  disclosures: [
    ['sharedOn', (d) => day(d.recorded_at)],
    ['recipient', (d) => words('recipient', d.recipient)],
    ['whatData', (d) => d.data_categories.map((c) => words('dataCategory', c)).join(', ')],
    ['legalBasis', (d) => [words('legalBasis', d.legal_basis), d.authority_reference ? ` (${t('authorityReference')} ${d.authority_reference})` : '']],
  ],
  accessLog: [
    ['when', (a) => when(a.at)],
    ['who', (a) => words('role', a.role)],
    ['what', (a) => words('staffAction', a.action)],
    ['why', (a) => words('staffPurpose', a.purpose)],
  ],
  complaints: [
    ['reference', (c) => h('span', { class: 'reference' }, c.reference)],
    ['category', (c) => words('complaintCategory', c.category)],
    ['filedOn', (c) => day(c.filed_at)],
    ['status', (c) => words('complaintStatus', c.status)],
    ['outcome', (c) => (c.resolution ? [c.resolution, c.resolved_at ? ` (${day(c.resolved_at)})` : ''] : '—')],
  ],
  consentHistory: [
    ['when', (c) => when(c.updated_at)],
    ['what', (c) => (['privacy_policy', 'terms'].includes(c.purpose) ? words('document', c.purpose) : consentOf(c.purpose, state.lang))],
    ['choice', (c) => (['privacy_policy', 'terms'].includes(c.purpose)
      ? `${t('acceptedVersion')} ${versionOf(c.version, state.lang)}` : t(c.granted ? 'switchedOn' : 'switchedOff'))],
  ],
};

const table = (kind, rows) => (rows.length ? records(COLUMNS[kind].map(([key]) => t(key)), rows.map((row) => COLUMNS[kind].map(([, cell]) => cell(row)))) : empty());

// A "more" button that adds the next page of the list `name` at `path` (API.md v1.2, Pages) with
// `add`, as long as there is one: every item can be seen, and each click is one bounded call.
function moreButton(path, name, next, add) {
  const more = h('button', { type: 'button', class: 'secondary more', hidden: !next }, t('more'));
  more.addEventListener('click', () => working(more, t('loading'), async () => {
    const page = await state.api.page(path, name, next);
    add(page.items);
    next = page.next;
    more.hidden = !next;
  }));
  return more;
}

// A list from the API as a table, a page at a time.
async function pagedTable(kind, path, name) {
  const { items, next } = await state.api.page(path, name);
  const shown = table(kind, items);
  return [shown, moreButton(path, name, next, (rows) => shown.tBodies[0].append(...table(kind, rows).tBodies?.[0]?.children ?? []))];
}

const listPage = (titleKey, kind, path, name, introKey) => async () =>
  render(t(titleKey), [introKey ? h('p', {}, t(introKey)) : null, await pagedTable(kind, path, name)]);

export const contracts = listPage('contracts', 'contracts', '/v1/me/contracts', 'contracts');
export const notifications = listPage('notifications', 'notifications', '/v1/me/notifications', 'notifications', 'notificationsHelp');
export const disclosures = listPage('disclosures', 'disclosures', '/v1/me/disclosures', 'disclosures', 'disclosuresHelp');
export const accessLog = listPage('accessLog', 'accessLog', '/v1/me/access-log', 'access_log', 'accessLogHelp');
export const complaints = async () =>
  render(t('complaints'), [h('p', {}, t('complaintsHelp')), await pagedTable('complaints', '/v1/me/complaints', 'complaints'),
    h('p', {}, h('a', { href: '#/complain' }, t('newComplaint')))]);

const OPTIONAL = ['company', 'address', 'date_of_birth', 'preferred_language'];
const LABEL = {
  full_name: 'fullName', email: 'email', phone: 'phone', company: 'companyShort', address: 'addressShort',
  date_of_birth: 'dateOfBirthShort', preferred_language: 'preferredLanguage',
};
// A profile value as people read it.
const shown = (name, value) => {
  if (value === null || value === undefined || value === '') return '—';
  if (name === 'phone') return phoneShown(value);
  if (name === 'date_of_birth') return day(value);
  if (name === 'preferred_language') return words('language', value);
  return value;
};

export async function me() {
  const profile = await state.api.call('GET', '/v1/me');
  render(t('myData'), [
    pairs([
      ...['full_name', 'email', 'phone'].map((name) => [t(LABEL[name]), shown(name, profile[name])]),
      ...OPTIONAL.filter((name) => profile.optional?.[name]).map((name) => [t(LABEL[name]), shown(name, profile.optional[name])]),
      [t('accountStatus'), words('accountStatus', profile.status)],
      [t('memberSince'), day(profile.created_at)],
      [t('updatedAt'), when(profile.updated_at)],
    ], 'pairs profile'),
    h('p', {}, t('changeHow'), ' ', h('a', { href: '#/edits' }, t('edits'))),
  ]);
}

// Edit requests: what each changes (old → new), where it stands and what comes next, the staff's
// note once decided; a new one from a form holding today's values, a code asked only for an
// address that changes.
const STEP = { PENDING_VERIFICATION: 'stepVerify', PENDING_REVIEW: 'stepReview', APPLIED: 'stepApplied', REJECTED: 'stepRejected', WITHDRAWN: 'stepWithdrawn' };

function changesOf(request, profile) {
  const pending = request.status.startsWith('PENDING');
  const now = { ...profile, ...profile.optional };
  const changed = { ...request.changes, ...request.changes.optional };
  return Object.keys(LABEL).filter((name) => changed[name] !== null && changed[name] !== undefined).map((name) => [
    t(LABEL[name]),
    pending ? [shown(name, now[name]), ' → ', h('strong', {}, shown(name, changed[name]))] : h('strong', {}, shown(name, changed[name])),
  ]);
}

function editCard(request, profile, reload) {
  const id = request.edit_request_id;
  const verify = request.status === 'PENDING_VERIFICATION' && form(
    (data, target) => submitted(target, () => state.api.call('POST', `/v1/me/edit-requests/${id}/verification`, data), () => {
      flash(t('editVerified'));
      return reload();
    }), t('verify'), t('checking'),
    h('p', {}, t(request.changes.email && request.changes.phone ? 'codesToNew' : 'codeToNew')),
    request.changes.email ? field('email_code', t('emailCode'), { ...CODE, prefix: id }) : null,
    request.changes.phone ? field('phone_code', t('phoneCode'), { ...CODE, prefix: id }) : null);
  const withdraw = request.status.startsWith('PENDING') && h('button', {
    type: 'button', class: 'secondary',
    onclick: (event) => working(event.currentTarget, t('sending'), async () => {
      try {
        await state.api.call('POST', `/v1/me/edit-requests/${id}/withdraw`, {});
        flash(t('editWithdrawn'));
        await reload();
      } catch (error) {
        if (error instanceof SessionEnded) throw error; // to sign in, then back (main.js)
        announce(wrong(error));
      }
    }),
  }, t('withdrawRequest'));
  return h('article', { class: 'card', 'data-status': request.status },
    h('h3', {}, `${t('requestOf')} ${when(request.created_at)}: ${words('editStatus', request.status)}`),
    h('p', { class: 'step' }, t(STEP[request.status] || 'stepOther')),
    pairs([...changesOf(request, profile), [t('reason'), request.reason], request.note ? [t('staffNote'), request.note] : null]),
    verify, withdraw);
}

export async function edits(focusCode = false) {
  const [profile, first] = await Promise.all([state.api.call('GET', '/v1/me'), state.api.page('/v1/me/edit-requests', 'edit_requests')]);
  const list = h('div', { class: 'cards' }, first.items.length ? first.items.map((r) => editCard(r, profile, edits)) : empty());
  const more = moreButton('/v1/me/edit-requests', 'edit_requests', first.next, (requests) => list.append(...requests.map((r) => editCard(r, profile, edits))));
  const current = { ...profile, ...profile.optional, phone: phoneShown(profile.phone) };
  const submit = (data, target) => {
    const changes = {};
    for (const name of ['full_name', 'email']) if (data[name] && data[name] !== profile[name]) changes[name] = data[name];
    if (data.phone && (toE164(data.phone) || data.phone) !== profile.phone) changes.phone = toE164(data.phone) || data.phone;
    const optional = Object.fromEntries(OPTIONAL.filter((name) => data[name] && data[name] !== (profile.optional?.[name] ?? '')).map((name) => [name, data[name]]));
    if (Object.keys(optional).length) changes.optional = optional;
    if (!Object.keys(changes).length) return showErrors(target, { message: t('nothingChanged') });
    return submitted(target, () => state.api.call('POST', '/v1/me/edit-requests', { changes, reason: data.reason }), (filed) => {
      const code = filed.status === 'PENDING_VERIFICATION';
      flash(t(code ? 'editFiledCode' : 'editFiledReview'));
      return edits(code);
    });
  };
  render(t('edits'), [
    h('p', {}, t('editsHelp')),
    list, more,
    h('h3', {}, t('newEdit')),
    form(submit, t('send'), t('sending'),
      h('p', {}, t('newEditHelp')),
      field('full_name', t('fullName'), { autocomplete: 'name', maxlength: 100, value: current.full_name }),
      field('email', t('email'), { type: 'email', autocomplete: 'email', value: current.email, hint: t('emailChangeHint') }),
      field('phone', t('phone'), { type: 'tel', autocomplete: 'tel', inputmode: 'tel', value: current.phone, hint: t('phoneChangeHint') }),
      field('company', t('companyShort'), { autocomplete: 'organization', maxlength: 200, value: current.company }),
      field('address', t('addressShort'), { autocomplete: 'street-address', maxlength: 200, value: current.address }),
      field('date_of_birth', t('dateOfBirthShort'), { type: 'date', autocomplete: 'bday', value: current.date_of_birth }),
      field('preferred_language', t('preferredLanguage'), { options: ['vi', 'en'].map((l) => [l, words('language', l)]), value: current.preferred_language || state.lang }),
      field('reason', t('reason'), { required: true, maxlength: 500 })),
  ], focusCode ? '.card form input' : null);
}

// Consents: the documents accepted (with their versions, to read again), a switch for each
// choice with its history, and what the policy uses data for.
const DOCUMENTS = ['privacy_policy', 'terms'];

function consentSwitch(purpose, granted, history) {
  const label = consentOf(purpose, state.lang);
  const button = h('button', { type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(granted), 'data-purpose': purpose },
    h('span', { class: 'switch-label' }, label), h('span', { class: 'switch-state', 'aria-hidden': 'true' }, t(granted ? 'on' : 'off')));
  const stateLabel = button.querySelector('.switch-state');
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    const wanted = button.getAttribute('aria-checked') !== 'true';
    button.disabled = true;
    stateLabel.textContent = t('saving');
    try {
      await state.api.call('PUT', `/v1/me/consents/${encodeURIComponent(purpose)}`, { granted: wanted });
      button.setAttribute('aria-checked', String(wanted));
      announce(`${t('saved')} ${label}: ${t(wanted ? 'on' : 'off')}.`);
    } catch (error) {
      if (error instanceof SessionEnded) throw error; // to sign in, then back (main.js)
      announce(`${t('notSaved')} ${wrong(error)}`);
    } finally {
      button.disabled = false;
      stateLabel.textContent = t(button.getAttribute('aria-checked') === 'true' ? 'on' : 'off');
    }
  });
  return h('li', { class: 'consent' }, button, history);
}

// A choice's history, read from the export when first opened.
function historyOf(purpose, loadHistory) {
  const body = h('div', {}, h('p', {}, t('loading')));
  const details = h('details', {}, h('summary', {}, t('history')), body);
  details.addEventListener('toggle', async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = 'true';
    try {
      const changes = (await loadHistory()).filter((c) => c.purpose === purpose);
      body.replaceChildren(table('consentHistory', changes.sort((a, b) => b.updated_at.localeCompare(a.updated_at))));
    } catch (error) {
      if (error instanceof SessionEnded) throw error; // to sign in, then back (main.js)
      body.replaceChildren(h('p', {}, wrong(error)));
    }
  });
  return details;
}

export async function consents() {
  const [{ consents: list }, policy] = await Promise.all([state.api.call('GET', '/v1/me/consents'), state.api.call('GET', '/v1/policy')]);
  let history = null;
  const loadHistory = async () => (history ??= (await state.api.call('GET', '/v1/me/export')).consents.history);
  const byPurpose = Object.fromEntries(list.map((c) => [c.purpose, c]));
  const choicesList = ['marketing', 'product_updates', ...list.map((c) => c.purpose).filter((p) => p.startsWith('third_party_sharing:'))];
  render(t('consents'), [
    h('section', { 'aria-labelledby': 'accepted-h' }, h('h3', { id: 'accepted-h' }, t('acceptedDocuments')),
      h('ul', { class: 'documents' }, DOCUMENTS.filter((name) => byPurpose[name]).map((name) => h('li', {},
        `${words('document', name)}: ${t('acceptedVersion')} ${versionOf(byPurpose[name].version, state.lang)}, ${day(byPurpose[name].updated_at)}. `,
        h('a', { href: '#/policy' }, t('readIt'))))),
      h('p', { class: 'hint' }, t('documentsHelp'))),
    h('section', { 'aria-labelledby': 'choices-h' }, h('h3', { id: 'choices-h' }, t('yourChoices')), h('p', {}, t('choicesHelp')),
      h('ul', { class: 'switches' }, choicesList.map((purpose) => consentSwitch(purpose, Boolean(byPurpose[purpose]?.granted), historyOf(purpose, loadHistory))))),
    h('section', { 'aria-labelledby': 'purposes-h' }, h('h3', { id: 'purposes-h' }, t('purposesTitle')), purposesList(policy), h('p', {}, t('noSharing'))),
  ]);
}

// The export: a readable page in the customer's language (printable), and the JSON named with
// the date.
function downloadJson(data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const link = h('a', { href: URL.createObjectURL(blob), download: `${t('exportFile')}-${today()}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

const section = (titleKey, ...content) => h('section', {}, h('h3', {}, t(titleKey)), ...content);

export async function exportPage() {
  const data = await state.api.call('GET', '/v1/me/export');
  const profile = data.profile;
  render(t('export'), [
    h('p', {}, t('exportHelp')),
    h('p', { class: 'actions no-print' },
      h('button', { type: 'button', onclick: () => window.print() }, t('print')), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { downloadJson(data); announce(t('downloaded')); } }, t('downloadJson'))),
    h('article', { class: 'export' },
      h('p', { class: 'hint' }, `${t('exportedOn')} ${day(new Date().toISOString())}`),
      section('myData', pairs([
        ...['full_name', 'email', 'phone'].map((name) => [t(LABEL[name]), shown(name, profile[name])]),
        ...OPTIONAL.filter((name) => profile.optional?.[name]).map((name) => [t(LABEL[name]), shown(name, profile.optional[name])]),
        [t('accountStatus'), words('accountStatus', profile.status)],
        [t('memberSince'), day(profile.created_at)],
      ])),
      section('consentHistoryTitle', table('consentHistory', data.consents.history)),
      section('edits', data.edit_requests.length ? h('div', { class: 'cards' }, data.edit_requests.map((r) => h('article', { class: 'card' },
        h('h4', {}, `${t('requestOf')} ${when(r.created_at)}: ${words('editStatus', r.status)}`),
        pairs([...changesOf({ ...r, status: 'DONE' }, profile), [t('reason'), r.reason], r.note ? [t('staffNote'), r.note] : null])))) : empty()),
      section('contracts', table('contracts', data.contracts)),
      section('notifications', table('notifications', data.notifications)),
      section('complaints', table('complaints', data.complaints)),
      section('disclosures', table('disclosures', data.disclosures)),
      section('accessLog', table('accessLog', data.access_log))),
  ]);
}

// Sign-in security: how sign-ins are confirmed (as GetUser says), the customer's choice of app or
// SMS when they have made none, an app's set-up, and a new password.
export async function security() {
  const mfa = await state.auth.mfa();
  const phone = phoneMasked(mfa.phone);
  const setUp = async () =>
    render(t('appSetupTitle'), await appSetup(await state.auth.appSecret(), state.account || mfa.phone, async (data, target) => {
      try {
        await state.auth.finishEnrolment(data.code);
      } catch {
        return showErrors(target, { fields: [{ field: 'code', message: t('wrongCode') }] });
      }
      flash(t('appAdded'));
      return resume();
    }), '#f-code');
  const chooser = () => form(async (data, target) => {
    try {
      if (data.method === 'app') return await setUp();
      await state.auth.prefer('sms');
    } catch (error) {
      return showErrors(target, { message: wrong(error) });
    }
    flash(t('smsChosen').replace('{phone}', phone));
    return resume();
  }, t('continue'), t('saving'), choices('method', t('chooseHow'), [['app', t('useApp')], ['sms', t('useSms').replace('{phone}', phone)]], 'app'));
  const now = mfa.app ? t('appEnrolled') : t('smsInUse').replace('{phone}', phone);
  render(t('security'), [
    !mfa.preferred && !mfa.app ? [h('p', {}, t('chooseHelp')), chooser()] : [
      h('p', { class: 'state' }, now),
      mfa.app ? null : h('button', { type: 'button', onclick: (event) => working(event.currentTarget, t('loading'), setUp) }, t('startEnrolment')),
    ],
    h('h3', {}, t('changePassword')),
    form(async (data, target) => {
      if (data.new_password !== data.new_password_repeat) {
        return showErrors(target, { fields: [{ field: 'new_password_repeat', message: t('passwordsDiffer') }] });
      }
      try {
        await state.auth.changePassword(data.current_password, data.new_password);
      } catch (error) {
        const where = error.code === 'NotAuthorizedException' ? 'current_password' : 'new_password';
        const message = error.code === 'NotAuthorizedException' ? t('wrongPassword') : error.code === 'LimitExceededException' ? t('tooManyTries') : t('invalid_password');
        return showErrors(target, { fields: [{ field: where, message }] });
      }
      target.reset();
      announce(t('passwordChanged'));
    }, t('changePassword'), t('saving'),
    field('current_password', t('currentPassword'), { type: 'password', autocomplete: 'current-password', required: true }),
    passwordField('new_password', t('newPasswordPlain')),
    field('new_password_repeat', t('newPasswordRepeat'), { type: 'password', autocomplete: 'new-password', required: true })),
  ]);
}

// Closure (API.md): the download first, what closure does, the customer's confirmation, then
// the date of erasure.
export function closure(endSession) {
  const download = (event) => working(event.currentTarget, t('loading'), async () => {
    try {
      downloadJson(await state.api.call('GET', '/v1/me/export'));
      announce(t('downloaded'));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      announce(wrong(error));
    }
  });
  const submit = (data, target) => {
    if (!data.confirm) return showErrors(target, { fields: [{ field: 'confirm', message: t('required') }] });
    return submitted(target, () => state.api.call('POST', '/v1/me/closure', data.reason ? { reason: data.reason } : {}),
      (closing) => endSession(t('closed').replace('{date}', day(closing.erase_after))));
  };
  render(t('closure'), [
    h('section', { 'aria-labelledby': 'first-h' }, h('h3', { id: 'first-h' }, t('downloadFirst')), h('p', {}, t('downloadFirstHelp')),
      h('p', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: download }, t('downloadJson')), ' ',
        h('a', { href: '#/export' }, t('readableCopy')))),
    h('h3', {}, t('whatClosureDoes')),
    h('p', {}, t('closureHelp')),
    form(submit, t('closeAccount'), t('sending'),
      field('reason', t('closureReason'), { multiline: true, maxlength: 2000 }),
      checkbox('confirm', t('closureConfirm'))),
  ]);
}

