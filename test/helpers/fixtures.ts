// The real-world fixtures under test/fixtures, read as file maps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './cli.js';

export const stagingFixtures = path.join(projectRoot, 'test', 'fixtures', 'root-signing-staging');

/** `metadata/` and `targets/` of a fixture state directory, by repository path. */
export function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(dir, relative))) {
      const child = relative ? `${relative}/${name}` : name;
      if (statSync(path.join(dir, child)).isDirectory()) walk(child);
      else files.set(child, readFileSync(path.join(dir, child)));
    }
  };
  for (const top of ['metadata', 'targets']) walk(top);
  return files;
}
