/**
 * The only place the CLI writes to the terminal. Commands hand data here and say whether
 * the user asked for --json; daemon code logs through obs/ instead.
 */
export interface OutputOptions {
  json: boolean;
}

/** Prints a command's result: JSON on one line with --json, else the human rendering. */
export function printResult(data: unknown, opts: OutputOptions, human: () => string): void {
  if (opts.json) {
    console.log(JSON.stringify(data));
  } else {
    console.log(human());
  }
}

/** A plain line for the human, e.g. progress of a long-running command. */
export function printLine(line: string): void {
  console.log(line);
}

export function printError(message: string): void {
  console.error(`maskgate: ${message}`);
}
