// `npm run demo` keeps working: the whole life cycle runs and a tuf-js client gets the artifact.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from './helpers/cli.js';
import { gitEnv } from './helpers/git.js';

test('the demo plays init → sign → publish → update → sign → publish, and tuf-js downloads the artifact', () => {
  const result = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'scripts', 'demo.js')], { env: gitEnv, encoding: 'utf8' });
  assert.is(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /accepted the invitation to root, targets/);
  assert.match(result.stdout, /valid and complete/);
  assert.match(result.stdout, /updated targets v2 in sign\/add-hello/);
  assert.match(result.stdout, /verified with tuf-js from 1\.root\.json/);
  assert.match(result.stdout, /tuf-js verified and downloaded hello\.txt: "Hello from a git tuf repository\.\\n"/);
  assert.match(result.stdout, /demo complete\n$/);
});

test.run();
