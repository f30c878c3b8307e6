// node --test: every text the page shows exists in both languages, so switching never shows a key.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEXT } from '../src/i18n.js';

test('Vietnamese and English have the same texts', () => {
  assert.deepEqual(Object.keys(TEXT.en).sort(), Object.keys(TEXT.vi).sort());
});

test('no text is empty', () => {
  for (const [lang, texts] of Object.entries(TEXT)) {
    for (const [key, text] of Object.entries(texts)) assert.ok(text.trim(), `${lang}.${key}`);
  }
});
