/**
 * Reads a PEM file a configuration names (TLS certificate, key, CA), relative to the
 * configuration's directory; a missing or unreadable one stops the start naming the field,
 * the path and the fix.
 */
import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors.js';
import { resolveConfigPath, type LoadedConfig } from './loader.js';

export function readPemFile(config: LoadedConfig, field: string, file: string): Buffer {
  const full = resolveConfigPath(config, file);
  try {
    return readFileSync(full);
  } catch (err) {
    throw new GatewayError('CONFIG_UNREADABLE', `cannot read ${field} ${full} (${(err as NodeJS.ErrnoException).code ?? String(err)}); run \`maskgate tls init\` or fix the path`, { cause: err });
  }
}
