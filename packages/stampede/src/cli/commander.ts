/** commander, required (see src/cjs.ts): the CLI's classes as values and as types. */
import type * as Commander from 'commander';
import type { Command as CommandClass, CommanderError as CommanderErrorClass, Option as OptionClass } from 'commander';
import { requireCjs } from '../cjs.ts';

const commander = requireCjs('commander') as typeof Commander;

export const Command: typeof CommandClass = commander.Command;
export const CommanderError: typeof CommanderErrorClass = commander.CommanderError;
export const Option: typeof OptionClass = commander.Option;
export type Command = CommandClass;
export type CommanderError = CommanderErrorClass;
export type Option = OptionClass;
