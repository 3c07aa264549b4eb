import type { ParseArgsConfig } from 'node:util';

export interface CommandContext {
  home: string;
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  /** True when stdout is a terminal, so live output may redraw in place. */
  interactive: boolean;
  write: (text: string) => void;
  /** The CLI's environment, for options that name a variable (accept --header-from-env); absent reads as empty. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** What node:util parseArgs gives: options with `multiple: true` come as arrays. */
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext, values: OptionValues, positionals: string[]): Promise<number>;
}

export const COMMON_OPTIONS = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const COMMON_HELP = `  --home DIR   autodev home folder (default: $AUTODEV_HOME or ~/.autodev)
  --json       print one JSON object instead of text
  --help       show this help`;
