// Bundles the CLI into one ESM file that the builder image runs with Debian's nodejs.
// usage: node recipes/bundle.mjs [ENTRY] [OUTFILE]
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const [entry = 'src/main.ts', outfile = 'dist/deb-bootc-image-builder.mjs'] = process.argv.slice(2);
const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'inline',
  legalComments: 'none',
  define: { __DBIB_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies call require(), __dirname and __filename: give them real ones.
  banner: {
    js: [
      "import { createRequire as __dbibRequire } from 'node:module';",
      "import { fileURLToPath as __dbibPath } from 'node:url';",
      'const require = __dbibRequire(import.meta.url);',
      'const __filename = __dbibPath(import.meta.url);',
      "const __dirname = __filename.replace(/\\/[^/]*$/, '');",
    ].join('\n'),
  },
  external: ['cpu-features', '*.node'],
  logLevel: 'warning',
});
