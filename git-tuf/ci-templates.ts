/**
 * Writes a forge's CI pipeline from templates/ into the work tree: refuses to overwrite a
 * different file without `force`, and adds git tuf's lines to .gitattributes without removing any.
 * Everything is decided before anything is written.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitTufError } from './errors.js';
import { TEMPLATES_DIR } from './package-files.js';

export const FORGES = {
  github: { template: 'github/git-tuf.yml', file: '.github/workflows/git-tuf.yml' },
  gitlab: { template: 'gitlab/gitlab-ci.yml', file: '.gitlab-ci.yml' },
} as const;
export type Forge = keyof typeof FORGES;

export const isForge = (name: string): name is Forge => Object.hasOwn(FORGES, name);

export interface CiFile {
  /** Path from the top of the work tree. */
  file: string;
  action: 'written' | 'replaced' | 'unchanged' | 'extended';
}

const readIfExists = (file: string): Promise<Buffer | null> => readFile(file).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'ENOENT') return null;
  throw new GitTufError('usage', `cannot read ${file}: ${error.message}`);
});

export async function installCi(workTree: string, forge: Forge, options: { force?: boolean } = {}): Promise<CiFile[]> {
  const { template, file } = FORGES[forge];
  const pipeline = await readFile(path.join(TEMPLATES_DIR, template));
  const target = path.join(workTree, file);
  const existing = await readIfExists(target);
  if (existing && !existing.equals(pipeline) && !options.force) {
    throw new GitTufError('usage', `${file} already exists and differs from git tuf's ${forge} pipeline`, { hint: `move it away, or use --force to replace it (git diff shows what changed)` });
  }
  const attributesFile = path.join(workTree, '.gitattributes');
  const attributes = (await readIfExists(attributesFile))?.toString('utf8') ?? null;
  const present = new Set((attributes ?? '').split('\n').map((line) => line.trim()));
  const wanted = (await readFile(path.join(TEMPLATES_DIR, 'gitattributes'), 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const missing = wanted.filter((line) => !present.has(line.trim()));
  const needsAttributes = missing.some((line) => !line.startsWith('#'));

  const written: CiFile[] = [];
  if (existing?.equals(pipeline)) written.push({ file, action: 'unchanged' });
  else {
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, pipeline);
    written.push({ file, action: existing ? 'replaced' : 'written' });
  }
  if (needsAttributes) {
    const separator = attributes === null || attributes === '' ? '' : attributes.endsWith('\n') ? '\n' : '\n\n';
    await writeFile(attributesFile, `${attributes ?? ''}${separator}${missing.join('\n')}\n`);
    written.push({ file: '.gitattributes', action: attributes === null ? 'written' : 'extended' });
  } else written.push({ file: '.gitattributes', action: 'unchanged' });
  return written;
}
