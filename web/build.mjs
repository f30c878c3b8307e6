// Bundles the privacy centre into dist/ (or the folder given as the argument), minified, without
// source maps: app.js, the module the page loads; the chunks it imports, which index.html
// preloads (the first screen's code); the chunks it imports when they are needed (the AWS SDK at
// the first API call, the user pool's library at a sign-in, the customer's pages, the QR code);
// index.html, style.css, favicon.svg. All of them from the site itself (CSP: script-src 'self').
// The configuration is not bundled: the page reads config.json, written from the stack.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WEB = dirname(fileURLToPath(import.meta.url));
const SCRIPT = '<script type="module" src="app.js"></script>';

// The files (absolute paths) of the scripts the first screen runs: the entry and what it imports
// statically, not what it imports when needed (import()).
export function firstScreen(metafile) {
  const entry = Object.keys(metafile.outputs).find((path) => metafile.outputs[path].entryPoint === 'src/main.js');
  const found = new Set();
  const pending = [entry];
  while (pending.length) {
    const path = pending.pop();
    if (found.has(path)) continue;
    found.add(path);
    pending.push(...metafile.outputs[path].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path));
  }
  return [...found].map((path) => resolve(WEB, path));
}

// Builds into `outdir` (relative to web/); esbuild's metafile.
export async function bundle(outdir = 'dist') {
  const out = resolve(WEB, outdir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { metafile } = await build({
    absWorkingDir: WEB,
    entryPoints: { app: 'src/main.js' },
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    define: { global: 'globalThis' },
    legalComments: 'none',
    outdir: out,
    chunkNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  // The entry's own imports are fetched with it, not one round trip after it.
  const preloads = firstScreen(metafile).map((path) => basename(path)).filter((name) => name !== 'app.js');
  const html = readFileSync(resolve(WEB, 'src/index.html'), 'utf8');
  if (!html.includes(SCRIPT)) throw new Error(`src/index.html has no ${SCRIPT}`);
  const links = preloads.map((name) => `<link rel="modulepreload" href="${name}">\n  `).join('');
  writeFileSync(resolve(out, 'index.html'), html.replace(SCRIPT, links + SCRIPT));
  for (const file of ['style.css', 'favicon.svg']) copyFileSync(resolve(WEB, 'src', file), resolve(out, file));
  return metafile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundle(process.argv[2]);
