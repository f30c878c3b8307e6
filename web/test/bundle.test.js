// node --test: the first screen (a visitor's welcome or sign-in page) runs no more script than
// the whole page did before issue 29's second round (6a62f3b^, one app.js): what the customer's
// pages, the AWS SDK, the user pool's library and the QR code need comes when it is needed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { bundle, firstScreen } from '../build.mjs';

// That page's app.js gzipped (level 6, zlib's default, as here) is 107,997 bytes; make bench
// measures it again beside today's (docs/benchmarks.md, the privacy centre's first load).
const BUDGET = 108_000;

test("the first screen's scripts stay within the old page's gzipped size, each fetched at once", async () => {
  const out = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    const scripts = firstScreen(await bundle(out));
    const gzipped = scripts.reduce((sum, path) => sum + gzipSync(readFileSync(path)).length, 0);
    assert.ok(gzipped <= BUDGET, `the first screen's scripts are ${gzipped} bytes gzipped (budget ${BUDGET})`);
    // The entry's imports are preloaded by the page: no round trip waits for the entry to parse.
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const name of scripts.map((path) => basename(path)).filter((name) => name !== 'app.js')) {
      assert.ok(html.includes(`<link rel="modulepreload" href="${name}">`), `${name} is not preloaded`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
