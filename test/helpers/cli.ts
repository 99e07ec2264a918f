/** The CLI as a child process, as an operator runs it: `maskgate(...args)`. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'scripts', 'maskgate.mjs');
export const DEMO = path.join(ROOT, 'config', 'demo.yaml');

/** Runs the CLI as a child process; async, so the tests of a file run side by side. */
export function maskgate(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return run(args, undefined);
}

/** As maskgate(), with `input` on standard input: how real numbers and secrets reach the CLI. */
export function maskgateWithInput(input: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return run(args, input);
}

function run(args: string[], input: string | undefined): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MASKGATE_CONFIG;
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8' }, (_err, stdout, stderr) => {
      resolve({ status: child.exitCode, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
