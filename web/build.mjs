// Bundles the privacy centre into dist/ (or the folder given as the argument): app.js (minified,
// no source maps), index.html, style.css, favicon.svg. The configuration is not bundled: the page
// reads config.json, written from the stack.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

const outdir = process.argv[2] || 'dist';
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  define: { global: 'globalThis' },
  legalComments: 'none',
  outfile: `${outdir}/app.js`,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(`src/${file}`, `${outdir}/${file}`);
