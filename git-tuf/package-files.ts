/** Files shipped with git tuf next to its code (package.json "files"): hook shims, CI templates, package.json. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's top directory (this module runs from dist/git-tuf/, or bundled in dist/cli/). */
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const SHIMS_DIR = path.join(packageRoot, 'hooks');
export const TEMPLATES_DIR = path.join(packageRoot, 'templates');
export const PACKAGE_JSON = path.join(packageRoot, 'package.json');
