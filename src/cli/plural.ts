/** Counted nouns for CLI messages: "1 video", "3 videos", never "1 videos". */

/**
 * `noun` as it goes after the count `n`: singular for 1, else `pluralNoun`, by default noun + "es"
 * after s/x/ch/sh ("classes") and noun + "s" otherwise.
 */
export function nounFor(n: number, noun: string, pluralNoun?: string): string {
  if (n === 1) return noun;
  return pluralNoun ?? (/(s|x|ch|sh)$/.test(noun) ? `${noun}es` : `${noun}s`);
}

/** `n` and its noun: plural(1, 'clip') → "1 clip", plural(3, 'class') → "3 classes". */
export function plural(n: number, noun: string, pluralNoun?: string): string {
  return `${n} ${nounFor(n, noun, pluralNoun)}`;
}
