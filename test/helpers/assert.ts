import * as assert from 'uvu/assert';
import { GitTufError } from '../../git-tuf/errors.js';

/** Awaits `action` and asserts it rejects with a GitTufError whose message matches `pattern`. */
export async function rejectsWith(action: () => Promise<unknown>, pattern: RegExp): Promise<GitTufError> {
  try {
    await action();
  } catch (error) {
    assert.instance(error, GitTufError, String(error));
    assert.match((error as Error).message, pattern);
    return error as GitTufError;
  }
  assert.unreachable(`resolved where ${pattern} was expected`);
  throw new Error('unreachable');
}
