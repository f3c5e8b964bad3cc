/** Option values shared by the maintainer commands: lists, whole numbers, on/off. */
import { GitTufError } from '../errors.js';
import type { ParsedArgs } from './args.js';

/** `--name a,b,c` as a list (spaces around commas allowed), or undefined when absent. */
export function listOption(args: ParsedArgs, name: string): string[] | undefined {
  const value = args.options.get(name);
  if (value === undefined) return undefined;
  if (value === true) throw new GitTufError('usage', `--${name} needs a value`);
  const items = value.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new GitTufError('usage', `--${name} lists nothing`, { hint: `e.g. --${name} @alice,@bob` });
  return items;
}

/** `--name N` as a whole number, or undefined when absent. Range checks belong to the caller. */
export function integerOption(args: ParsedArgs, name: string): number | undefined {
  const value = args.options.get(name);
  if (value === undefined) return undefined;
  if (value === true || !/^-?\d+$/.test(value.trim())) throw new GitTufError('usage', `--${name} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value.trim());
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}
