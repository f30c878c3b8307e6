// node --test: every value has words in both languages, and a value without words reads as its
// kind's neutral sentence, never as itself.
import assert from 'node:assert/strict';
import test from 'node:test';
import { WORDS, consentOf, planOf, say } from '../src/words.js';

test('every value has words in Vietnamese and English, every kind a neutral sentence', () => {
  for (const [kind, values] of Object.entries(WORDS)) {
    assert.ok(values.other, `${kind} has no neutral sentence`);
    for (const [value, words] of Object.entries(values)) {
      assert.deepEqual(Object.keys(words).sort(), ['en', 'vi'], `${kind}.${value}`);
      assert.ok(words.vi.trim() && words.en.trim(), `${kind}.${value}`);
    }
  }
});

test('an unknown value reads as its kind\'s neutral sentence', () => {
  assert.equal(say('editStatus', 'ON_HOLD', 'vi'), WORDS.editStatus.other.vi);
  assert.equal(say('error', 'SOMETHING_NEW', 'en'), WORDS.error.other.en);
  assert.equal(say('role', undefined, 'vi'), WORDS.role.other.vi);
  assert.equal(say('notice', 'toString', 'vi'), WORDS.notice.other.vi); // not an inherited name
  assert.equal(planOf('Custom 2027', 'vi'), WORDS.plan.other.vi);
});

test('a sharing consent names its recipient in words, an unknown one neutrally', () => {
  assert.equal(consentOf('third_party_sharing:acme-bank', 'en'), 'Sharing my data with Acme Bank (payment partner)');
  assert.ok(!consentOf('third_party_sharing:partner-z', 'vi').includes('partner-z'));
  assert.equal(planOf(' BUSINESS ', 'vi'), WORDS.plan.business.vi);
});
