/**
 * Secrets never sit in the configuration file: a field names the environment variable
 * (`passwordEnv`) or the file (`passwordFile`, relative to the config file) that holds them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../errors.js';

export const secretRefFields = {
  passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as CARRIER_A_PASSWORD').optional(),
  passwordFile: z.string().min(1, 'must be a path to a file holding the password').optional(),
};

export interface SecretRef {
  passwordEnv?: string | undefined;
  passwordFile?: string | undefined;
}

/** Refinement shared by every object that carries a password reference: exactly one source. */
export function exactlyOneSecret(value: SecretRef): boolean {
  return (value.passwordEnv === undefined) !== (value.passwordFile === undefined);
}

export const EXACTLY_ONE_SECRET_MESSAGE = 'set exactly one of passwordEnv (an environment variable name) or passwordFile (a file path)';

/**
 * Reads the secret a reference names, at the moment it is needed (never at import time).
 * `what` names its owner in the message, e.g. `carrier "uz-alpha"`; a relative passwordFile
 * resolves against `configDir`. One trailing newline is dropped: editors and `echo` add it.
 */
export function readSecret(ref: SecretRef, what: string, configDir: string): string {
  if (ref.passwordEnv !== undefined) {
    const value = process.env[ref.passwordEnv];
    if (value === undefined || value === '') {
      throw new GatewayError('SECRET_MISSING', `${what}: environment variable ${ref.passwordEnv} is not set or empty; export ${ref.passwordEnv}=<password> before starting maskgate, or use passwordFile`);
    }
    return value;
  }
  if (ref.passwordFile !== undefined) {
    const file = path.resolve(configDir, ref.passwordFile);
    let value: string;
    try {
      value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new GatewayError('SECRET_MISSING', `${what}: cannot read password file ${file} (${reason}); create it with the password on one line, or fix passwordFile`, { cause: err });
    }
    if (value === '') {
      throw new GatewayError('SECRET_MISSING', `${what}: password file ${file} is empty; write the password on its first line`);
    }
    return value;
  }
  throw new GatewayError('SECRET_MISSING', `${what}: no password source; ${EXACTLY_ONE_SECRET_MESSAGE}`);
}
