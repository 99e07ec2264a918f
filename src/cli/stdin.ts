/**
 * Secrets and real phone numbers come to the CLI on standard input, never as arguments:
 * shell history and `ps` show arguments to anyone on the machine.
 */
export async function readStdinValue(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, ''); // one trailing newline, as `echo` adds
}
