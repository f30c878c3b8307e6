// Values as people in Vietnam read and write them: dates and times in Vietnam's time zone (the
// notices say the same dates: ongpt/notify/delivery.py), phone numbers as 0912 345 678, and the
// masked addresses a code went to.
const ZONE = 'Asia/Ho_Chi_Minh';
const LOCALE = { vi: 'vi-VN', en: 'en-GB' };
const DAY = { vi: { day: '2-digit', month: '2-digit', year: 'numeric' }, en: { day: 'numeric', month: 'long', year: 'numeric' } };
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

// A calendar date (YYYY-MM-DD, say a date of birth) is that day anywhere; a time is its day in Vietnam.
function instant(value) {
  const day = DATE_ONLY.exec(value);
  return day ? { at: new Date(Date.UTC(+day[1], day[2] - 1, +day[3], 12)), zone: 'UTC' } : { at: new Date(value), zone: ZONE };
}

// "01/12/2027" (vi), "1 December 2027" (en); '' for nothing, the neutral word for what is no date.
export function dateOf(value, lang) {
  if (!value) return '';
  const { at, zone } = instant(value);
  if (Number.isNaN(at.getTime())) return '';
  return new Intl.DateTimeFormat(LOCALE[lang], { ...DAY[lang], timeZone: zone }).format(at);
}

// "14:05, 01/12/2027" (vi), "1 December 2027, 14:05" (en): minutes, never seconds.
export function timeOf(value, lang) {
  const day = dateOf(value, lang);
  if (!day || DATE_ONLY.test(value)) return day;
  const clock = new Intl.DateTimeFormat(LOCALE[lang], {
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE,
  }).format(new Date(value));
  return lang === 'vi' ? `${clock}, ${day}` : `${day}, ${clock}`;
}

// Today's date in Vietnam as YYYY-MM-DD (for file names).
export function today(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

// A policy version "2024-10" as "tháng 10/2024" (vi) or "October 2024" (en); another form as it is.
export function versionOf(version, lang) {
  const month = /^(\d{4})-(\d{2})$/.exec(version || '');
  if (!month) return version || '';
  if (lang === 'vi') return `tháng ${Number(month[2])}/${month[1]}`;
  const at = new Date(Date.UTC(+month[1], month[2] - 1, 15));
  return new Intl.DateTimeFormat(LOCALE.en, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(at);
}

// What a person types (0912 345 678, 0912.345.678, +84 912 345 678, 84912345678) as E.164, or
// null when it is no phone number (the API then says why).
export function toE164(text) {
  const compact = String(text || '').replace(/[\s.\-()]/g, '');
  if (/^\+[1-9]\d{7,14}$/.test(compact)) return compact;
  if (/^0[1-9]\d{8,9}$/.test(compact)) return `+84${compact.slice(1)}`;
  if (/^84[1-9]\d{8,9}$/.test(compact)) return `+${compact}`;
  return null;
}

// +84912345678 as 0912 345 678; another country's number as it is.
export function phoneShown(e164) {
  if (!/^\+84\d{9,10}$/.test(e164 || '')) return e164 || '';
  const local = `0${e164.slice(3)}`;
  return `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}`;
}

// 0912 *** 678: enough for its owner to know it, not enough for anyone else.
export function phoneMasked(e164) {
  const shown = phoneShown(e164);
  return shown.length > 7 ? `${shown.slice(0, 4)} *** ${shown.slice(-3)}` : '***';
}

// a***@example.com
export function emailMasked(email) {
  const [local, domain] = String(email || '').split('@');
  return domain ? `${local.slice(0, 1)}***@${domain}` : '***';
}

// A sign-in name: an email as typed, a phone number as Cognito knows it (E.164).
export function signInName(text) {
  const typed = String(text || '').trim();
  return typed.includes('@') ? typed : toE164(typed) || typed;
}

// The last digits of a masked destination Cognito names (CODE_DELIVERY_DESTINATION, +*******5678).
export function lastDigits(destination) {
  return (/(\d{2,4})$/.exec(destination || '') || [])[1] || '';
}
