/**
 * A temporary directory for one test file, removed after its tests: where configuration
 * files under test are written. Call at the top level of a test file (it registers a hook).
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempFiles(prefix: string): { dir: string; write(text: string, name?: string): string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `maskgate-${prefix}-`));
  test.after.always(() => rmSync(dir, { recursive: true, force: true }));
  let count = 0;
  return {
    dir,
    write(text, name = `config-${count++}.yaml`) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}
