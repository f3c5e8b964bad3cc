// The effective git configuration (every scope, includes resolved by git) read once, for commands
// that look up several keys: one `git config --list -z` instead of a process per key.
export class GitConfig {
  /** Values by canonical key, in the order git lists them. */
  readonly #values: Map<string, string[]>;
  readonly #remotes: string[];

  private constructor(values: Map<string, string[]>, remotes: string[]) {
    this.#values = values;
    this.#remotes = remotes;
  }

  /** Parses `git config --list -z`: `<key> LF <value> NUL`, or `<key> NUL` for a key without value. */
  static parse(output: Buffer | string): GitConfig {
    const values = new Map<string, string[]>();
    const remotes: string[] = [];
    const text = typeof output === 'string' ? output : output.toString('utf8');
    for (const item of text.split('\0')) {
      if (item === '') continue;
      const newline = item.indexOf('\n');
      const key = newline === -1 ? item : item.slice(0, newline);
      const value = newline === -1 ? '' : item.slice(newline + 1);
      const list = values.get(key);
      if (list === undefined) values.set(key, [value]);
      else list.push(value);
      // `git remote` lists every <name> of a `remote.<name>.<variable>` key (names may hold dots).
      const last = key.lastIndexOf('.');
      if (key.startsWith('remote.') && last > 'remote.'.length) {
        const name = key.slice('remote.'.length, last);
        if (!remotes.includes(name)) remotes.push(name);
      }
    }
    return new GitConfig(values, remotes);
  }

  /** The last value of `key` (as `git config --get`); '' for a key set without a value; null when unset. */
  get(key: string): string | null {
    return this.getAll(key).at(-1) ?? null;
  }

  /** Every value of `key`, in git's order. */
  getAll(key: string): string[] {
    const canonical = canonicalKey(key);
    return canonical === null ? [] : [...(this.#values.get(canonical) ?? [])];
  }

  /** Every (key, value) whose canonical key matches `pattern`, in git's order. */
  matching(pattern: RegExp): [string, string][] {
    const found: [string, string][] = [];
    for (const [key, values] of this.#values) if (pattern.test(key)) for (const value of values) found.push([key, value]);
    return found;
  }

  /** The configured remotes' names (as `git remote`). */
  remotes(): string[] {
    return [...this.#remotes];
  }
}

/** Section and variable names are case-insensitive (git lists them in lower case); a subsection is not. */
function canonicalKey(key: string): string | null {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first <= 0 || last === key.length - 1) return null;
  return key.slice(0, first).toLowerCase() + key.slice(first, last + 1) + key.slice(last + 1).toLowerCase();
}
