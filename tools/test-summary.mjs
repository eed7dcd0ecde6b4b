// node --test reporter: one closing line "N passed, N failed, N skipped" (the dot reporter prints
// neither counts nor which tests were skipped), then the skipped and failed tests by name.
export default async function* summary(source) {
  let passed = 0;
  const failed = [];
  const skipped = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.details?.type === 'suite') continue;
    const where = d.file ? ` (${d.file.replace(/^.*\/dist\//, 'dist/')})` : '';
    if (d.skip !== undefined && d.skip !== false) skipped.push(`${d.name}${typeof d.skip === 'string' ? ` — ${d.skip}` : ''}${where}`);
    else if (d.todo !== undefined && d.todo !== false) skipped.push(`${d.name} (todo)${where}`);
    else if (event.type === 'test:pass') passed++;
    else failed.push(`${d.name}${where}`);
  }
  yield `\n${passed} passed, ${failed.length} failed, ${skipped.length} skipped\n`;
  for (const s of skipped) yield `  skipped: ${s}\n`;
  for (const f of failed) yield `  failed: ${f}\n`;
}
