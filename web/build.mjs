// Bundles the privacy centre into dist/: app.js (minified, no source maps), index.html, style.css, favicon.svg.
// The configuration is not bundled: the page reads config.json, written from the stack.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  define: { global: 'globalThis' },
  legalComments: 'none',
  outfile: 'dist/app.js',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(`src/${file}`, `dist/${file}`);
