// node --test: dates in Vietnam's time zone without seconds, phone numbers as people write them.
import assert from 'node:assert/strict';
import test from 'node:test';
import { dateOf, emailMasked, lastDigits, phoneMasked, phoneShown, signInName, timeOf, toE164, versionOf } from '../src/format.js';

test("a time is said on its day in Vietnam, a date as itself", () => {
  assert.equal(dateOf('2027-11-30T23:59:59Z', 'vi'), '01/12/2027');
  assert.equal(dateOf('2027-11-30T23:59:59Z', 'en'), '1 December 2027');
  assert.equal(dateOf('2027-11-30T16:59:59Z', 'vi'), '30/11/2027');
  assert.equal(dateOf('1990-05-17', 'vi'), '17/05/1990');
  assert.equal(dateOf('', 'vi'), '');
});

test('times have minutes, never seconds', () => {
  assert.equal(timeOf('2026-12-01T02:05:09Z', 'vi'), '09:05, 01/12/2026');
  assert.equal(timeOf('2026-12-01T02:05:09Z', 'en'), '1 December 2026, 09:05');
});

test('a policy version reads as its month', () => {
  assert.equal(versionOf('2024-10', 'vi'), 'tháng 10/2024');
  assert.equal(versionOf('2024-10', 'en'), 'October 2024');
});

test('phone numbers are taken as people write them and shown as they read them', () => {
  for (const typed of ['0912 345 678', '0912.345.678', '+84 912 345 678', '84912345678', '(091) 234-5678']) {
    assert.equal(toE164(typed), '+84912345678', typed);
  }
  assert.equal(toE164('12345'), null);
  assert.equal(phoneShown('+84912345678'), '0912 345 678');
  assert.equal(phoneShown('+6591234567'), '+6591234567');
  assert.equal(phoneMasked('+84912345678'), '0912 *** 678');
  assert.equal(emailMasked('an.nguyen@example.com'), 'a***@example.com');
});

test('a sign-in name is an email as typed or a phone number as Cognito knows it', () => {
  assert.equal(signInName(' An@Example.com '), 'An@Example.com');
  assert.equal(signInName('0912 345 678'), '+84912345678');
  assert.equal(lastDigits('+*******5678'), '5678');
});
