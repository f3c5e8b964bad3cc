/**
 * The one error type that crosses module boundaries. The CLI turns it into
 * `git tuf: <message> (<hint>)` and an exit code; everything else just throws.
 */
export type ErrorCode =
  | 'usage' // bad command line
  | 'not-a-repo' // not inside a git work tree
  | 'missing-ref' // a ref or commit that does not exist
  | 'git' // git itself failed
  | 'format' // malformed JSON or metadata
  | 'key' // unusable or unsupported key
  | 'internal';

export class GitTufError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GitTufError';
    this.code = code;
    this.hint = options.hint;
  }
}
