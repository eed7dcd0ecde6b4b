#!/usr/bin/env -S GLIBC_TUNABLES=${GLIBC_TUNABLES}:glibc.malloc.hugetlb=1 node
// The `c3d` command. A committed file with its exec bit kept by git, so the command still runs after
// any rebuild: tsc writes dist/src/cli/main.js afresh, without the exec bit.
// The shebang asks glibc's malloc for transparent huge pages (kept: any GLIBC_TUNABLES of the caller's):
// onnxruntime allocates every intermediate tensor afresh, and with 4 KiB pages a C3D training step
// spends ≈ 0.2 s in 250,000 page faults (docs/train.md, "Speed"). Other C libraries ignore the variable.
import('../dist/src/cli/main.js').catch((err) => {
  const missing = err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js');
  process.stderr.write(missing ? 'c3d: the compiled code (dist/) is missing: run `npm run build` in the package folder\n' : `c3d: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
