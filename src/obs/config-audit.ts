/**
 * Configuration changes in the audit trail. The configuration is a file the daemon reads at
 * start, so a change takes effect, and is recorded, when a daemon starts on it: each start
 * writes `config.loaded` with the SHA-256 of the configuration as validated, or
 * `config.changed` (with the previous hash) when that differs from the hash of the last such
 * row. An operator then sees when the running configuration changed, and can tell a given
 * file from another by hashing it the same way (`configHash`).
 *
 * The hash is over canonical JSON (keys sorted at every level) of the validated
 * configuration, defaults filled in: a reordered or reformatted file that means the same
 * hashes the same. The file's directory is left out (moving a file changes nothing it says).
 * Secrets are never in the configuration (only the names of their variables or files).
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/loader.js';
import type { AuditLog } from './audit.js';

export function configHash(config: LoadedConfig): string {
  const { configDir: _dir, ...validated } = config;
  return createHash('sha256').update(canonicalJson(validated)).digest('hex');
}

/** Records this start's configuration: `config.loaded`, or `config.changed` if it differs from the last recorded. */
export function auditConfigLoad(audit: AuditLog, config: LoadedConfig): { action: 'config.loaded' | 'config.changed'; sha256: string } {
  const sha256 = configHash(config);
  const last = audit.list({ action: 'config', limit: 1 })[0];
  const previous = typeof last?.detail.sha256 === 'string' ? last.detail.sha256 : undefined;
  const action = previous !== undefined && previous !== sha256 ? 'config.changed' : 'config.loaded';
  audit.record({ actor: 'daemon', action, detail: action === 'config.changed' ? { sha256, previous: previous! } : { sha256 } });
  return { action, sha256 };
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value instanceof RegExp) return value.toString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
