/**
 * Who a CLI command acts as, for the audit trail (obs/audit.ts): the operating-system user
 * running it. Operators share a host, not a login, in the deployments we aim at.
 */
import { userInfo } from 'node:os';

export function cliActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = String(process.getuid?.() ?? 'unknown'); // a uid with no passwd entry (containers)
  }
  return `cli:${user}`;
}
