/** A train/test split of videos by id, with class names — what every protocol reduces to. */
export interface VideoSplit {
  name: string;
  train: { ids: string[]; labels: string[] };
  test: { ids: string[]; labels: string[] };
}

/** File name without folders and extension: "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi" → "v_ApplyEyeMakeup_g08_c01". */
export function videoId(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Non-empty, trimmed lines of a text. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

/** Non-empty, trimmed lines with their 1-based line numbers in the text (blank lines still count), for `file:line` messages. */
export function numberedLines(text: string): { text: string; line: number }[] {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter((l) => l.text.length > 0);
}
