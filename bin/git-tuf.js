#!/usr/bin/env node
// The node entry point, which the `git-tuf` shim beside it starts (git finds `git-tuf` on PATH).
// `npm run build` compiles the code to dist/ and bundles the program into dist/cli/.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
