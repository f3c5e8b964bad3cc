/**
 * A small declarative argument parser. yargs costs 70–100 ms to import, most of the time
 * budget of `status` on a real repository, so commands declare their options here instead.
 */
import { GitTufError } from '../errors.js';

export interface OptionSpec {
  name: string;
  alias?: string;
  /** Placeholder of the option's value; a flag when omitted. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** e.g. `[REF]` */
  positionals: { name: string; description: string; required?: boolean }[];
  options: OptionSpec[];
  /** Extra help text: examples, exit codes. */
  details?: string;
}

export interface ParsedArgs {
  positionals: string[];
  /** Flags are `true`; valued options hold their string. */
  options: Map<string, string | true>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: 'help', alias: 'h', description: 'show this help' },
  { name: 'debug', description: 'show stack traces and git commands on errors' },
];

export function parseArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const known = [...spec.options, ...GLOBAL_OPTIONS];
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  const usage = (message: string): GitTufError =>
    new GitTufError('usage', message, { hint: `see git tuf ${spec.name} -h` });

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const [rawName, inlineValue] = long ? splitOnce(arg.slice(2), '=') : [arg.slice(1), undefined];
    const option = known.find((entry) => (long ? entry.name === rawName : entry.alias === rawName));
    if (!option) throw usage(`unknown option ${arg}`);
    if (option.value === undefined) {
      if (inlineValue !== undefined) throw usage(`--${option.name} takes no value`);
      options.set(option.name, true);
      continue;
    }
    const value = inlineValue ?? argv[++i];
    if (value === undefined || (inlineValue === undefined && value.startsWith('--'))) throw usage(`--${option.name} needs a value (${option.value})`);
    options.set(option.name, value);
  }
  if (options.has('help')) return { positionals, options };
  const required = spec.positionals.filter((entry) => entry.required).length;
  if (positionals.length < required) throw usage(`missing ${spec.positionals[positionals.length]!.name}`);
  if (positionals.length > spec.positionals.length) throw usage(`unexpected argument "${positionals[spec.positionals.length]}"`);
  return { positionals, options };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

export function commandHelp(spec: CommandSpec): string {
  const positionals = spec.positionals.map((entry) => (entry.required ? entry.name : `[${entry.name}]`)).join(' ');
  const lines = [`usage: git tuf ${spec.name}${positionals ? ` ${positionals}` : ''} [options]`, '', spec.summary, ''];
  if (spec.positionals.length > 0) {
    lines.push('arguments:');
    for (const entry of spec.positionals) lines.push(`  ${entry.name.padEnd(22)}${entry.description}`);
    lines.push('');
  }
  lines.push('options:');
  const options = [...spec.options, ...GLOBAL_OPTIONS];
  const flags = options.map((option) => `${option.alias ? `-${option.alias}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`);
  // Long flags widen the column for all, so that a description never runs into its flag.
  const width = Math.max(22, ...flags.map((flag) => flag.length + 2));
  options.forEach((option, index) => lines.push(`  ${flags[index]!.padEnd(width)}${option.description}`));
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}
