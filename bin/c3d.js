#!/usr/bin/env node
// The `c3d` command. A committed file with its exec bit kept by git, so the command still runs after
// any rebuild: tsc writes dist/src/cli/main.js afresh, without the exec bit.
import('../dist/src/cli/main.js').catch((err) => {
  const missing = err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js');
  process.stderr.write(missing ? 'c3d: the compiled code (dist/) is missing: run `npm run build` in the package folder\n' : `c3d: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
