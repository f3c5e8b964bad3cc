/**
 * Entry point: find the command, import only its module, run it, and turn any error into one
 * line `git tuf: <what> (<what to do>)` and an exit code. Stack traces only with --debug.
 */
import { commandHelp, parseArgs, type CommandSpec, type ParsedArgs } from './args.js';
import { GitTufError } from '../errors.js';

interface CommandModule {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  status: { summary: 'verify the repository or a signing event; who still has to sign', load: () => import('../commands/status.js') },
  sign: { summary: 'review a signing event and sign it with your key', load: () => import('../commands/sign.js') },
  init: { summary: 'start a TUF repository: root and targets signers, online key (event sign/init)', load: () => import('../commands/init.js') },
  delegate: { summary: 'change who signs a role, thresholds, periods, delegations (in an event)', load: () => import('../commands/delegate.js') },
  update: { summary: 'make an event\'s targets metadata match the files in targets/', load: () => import('../commands/update.js') },
  events: { summary: 'create renewal events for roles inside their signing period', load: () => import('../commands/events.js') },
  publish: { summary: 're-sign online roles, build the static repository, verify it with real clients', load: () => import('../commands/publish.js') },
  key: { summary: 'list keys on hardware tokens; show a key\'s public entry', load: () => import('../commands/key.js') },
  hooks: { summary: 'install or remove the pre-push and post-merge hooks', load: () => import('../commands/hooks.js') },
  hook: { summary: 'run a hook\'s checks (what the installed hooks call)', load: () => import('../commands/hook.js') },
  ci: { summary: 'write the CI pipeline (GitHub Actions, GitLab CI) into the repository', load: () => import('../commands/ci.js') },
};

/** Commands that read HEAD first (the current branch or commit). */
const READS_HEAD = new Set(['status', 'update']);
/** Commands that may need no configuration: the pre-push check of main reads none. */
const MAY_SKIP_CONFIG = new Set(['hook']);

async function prepareRepository(command: string): Promise<void> {
  const { GitRepository } = await import('../git/repository.js');
  GitRepository.prepare(process.cwd(), { head: READS_HEAD.has(command), config: !MAY_SKIP_CONFIG.has(command) });
}

/** Exit code when a command cannot run at all (DESIGN.md: status exits 3). */
const CANNOT_RUN = 3;

function topLevelHelp(): string {
  const lines = ['usage: git tuf <command> [options]', '', 'A git repository as the signing workflow of a TUF repository.', '', 'commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)}${command.summary}`);
  lines.push('', 'Run git tuf <command> -h for a command\'s options.', '(git tuf --help is answered by git itself; use -h.)');
  return `${lines.join('\n')}\n`;
}

/** bin/git-tuf started node without NODE_EXTRA_CA_CERTS: every program git tuf runs gets it back. */
function restoreExtraCaCerts(): void {
  const saved = process.env.GIT_TUF_EXTRA_CA_CERTS;
  if (saved === undefined) return;
  process.env.NODE_EXTRA_CA_CERTS = saved;
  delete process.env.GIT_TUF_EXTRA_CA_CERTS;
}

export async function main(argv: string[]): Promise<number> {
  restoreExtraCaCerts();
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      process.stdout.write(topLevelHelp());
      return name === undefined ? CANNOT_RUN : 0;
    }
    if (name === '--version' || name === '-V') {
      const [{ readFileSync }, { PACKAGE_JSON }] = await Promise.all([import('node:fs'), import('../package-files.js')]);
      process.stdout.write(`git-tuf ${(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new GitTufError('usage', `unknown command "${name}"`, { hint: 'see git tuf -h' });
    // Its first git calls run while node loads the command's modules.
    const prepared = rest.includes('-h') || rest.includes('--help') ? null : prepareRepository(name);
    const module = await command.load();
    await prepared;
    const args = parseArgs(module.spec, rest);
    if (args.options.has('help')) {
      process.stdout.write(commandHelp(module.spec));
      return 0;
    }
    return await module.run(args);
  } catch (error) {
    if (debug) console.error(error);
    if (error instanceof GitTufError) {
      console.error(`git tuf: ${error.message}${error.hint ? ` (${error.hint})` : ''}`);
      return error.code === 'format' || error.code === 'key' ? 2 : CANNOT_RUN;
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`git tuf: internal error: ${message.split('\n')[0]} (run again with --debug and report it)`);
    return CANNOT_RUN;
  }
}
