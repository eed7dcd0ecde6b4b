/** The installed package's name and version, for `c3d --version`. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * Name and version from the nearest package.json above this file that has both, read at run time
 * so a rename or version bump needs no code change (compiled: dist/src/cli/ → the package root).
 */
export function packageInfo(from: string = dirname(fileURLToPath(import.meta.url))): PackageInfo {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      json = undefined; // missing or unreadable: keep walking up
    }
    const p = json as Partial<PackageInfo> | undefined;
    if (typeof p?.name === 'string' && typeof p.version === 'string') return { name: p.name, version: p.version };
    if (dirname(dir) === dir) throw new Error(`no package.json with a name and version above ${from}`);
  }
}
