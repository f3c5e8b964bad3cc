#!/usr/bin/env node
// The node entry point, which the `git-tuf` shim beside it starts (git finds `git-tuf` on PATH).
// The code is compiled to dist/ by `npm run build`.
import { main } from '../dist/git-tuf/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
