// Runs the uvu suite over the compiled tests and ends with the one summary line CI reads:
// "N passed, N failed" (uvu prints its own totals in another form).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pattern = process.argv[2] ?? '\\.test\\.js$';
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const child = spawn(process.execPath, [uvu, 'dist/test', pattern], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk.toString();
});
child.on('close', (code) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    // uvu died before its summary (a test file failed to load): count that as a failure.
    console.log(`0 passed, 1 failed`);
    process.exit(code || 1);
  }
  // uvu's total leaves out skipped tests; a skipped test is not a pass, so it counts as failed.
  const failed = total - passed + skipped;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || total === 0 || code !== 0 ? 1 : 0);
});
