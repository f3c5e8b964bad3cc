/** Files shipped with git tuf next to its code (package.json "files"): hook shims, CI templates. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's top directory (this module runs from dist/git-tuf/). */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SHIMS_DIR = path.join(packageRoot, 'hooks');
export const TEMPLATES_DIR = path.join(packageRoot, 'templates');
