// Replaces one "## " section of docs/benchmarks.md (or appends it), leaving the others as they are.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export const BENCH_DOC = 'docs/benchmarks.md';

/** Writes `body` (starting with `heading`) in place of that section; temp file + rename, never half-written. */
export function writeDocSection(heading: string, body: string): void {
  let doc = existsSync(BENCH_DOC)
    ? readFileSync(BENCH_DOC, 'utf8')
    : '# Benchmarks\n\nNumbers from the `npm run bench:*` scripts; each prints its peer beside us.\n\n';
  const section = body.trimEnd() + '\n';
  const start = doc.indexOf(heading);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + 1);
    doc = doc.slice(0, start) + section + (next >= 0 ? '\n' + doc.slice(next + 1) : '');
  } else {
    doc = doc.trimEnd() + '\n\n' + section;
  }
  const tmp = `${BENCH_DOC}.tmp-${process.pid}`;
  writeFileSync(tmp, doc);
  renameSync(tmp, BENCH_DOC);
  console.error(`bench: wrote the "${heading.slice(3)}" section of ${BENCH_DOC}`);
}
