// npm's `prepare` step: build, unless dist/ is already newer than every input. npm runs prepare
// after `npm ci` (a fresh clone: builds) and also when the first `npx c3d` in a checkout links the
// checkout into npx's cache — that must not silently rebuild (14.5 s) or delete dist/ under a run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const STAMP = 'dist/.built';
const INPUTS = ['src', 'test', 'bench', 'tools/build-wasm.mjs', 'tools/build-web.mjs', 'tsconfig.json', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...INPUTS.map(newest))) {
  console.log('prepare: dist/ is up to date (npm run build rebuilds it)');
} else {
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = r.status ?? 1;
}
