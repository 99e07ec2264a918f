/**
 * IPv4 and IPv6 addresses and CIDR blocks, for account source allow-lists. Hand-written
 * because the domain may not import node:net (STYLE.md §1) and the need is small: parse,
 * then compare prefix bits.
 *
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack listener reports for
 * an IPv4 client) counts as the IPv4 address, so `192.0.2.0/24` matches it. Zone ids
 * (`fe80::1%eth0`) are ignored. Dotted quads with leading zeros are refused: some tools
 * read them as octal, so the operator's intent is unclear.
 */

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

interface Address {
  family: 4 | 6;
  bytes: Uint8Array;
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

/** Hex groups to 16-bit words; the last may be a dotted quad (two words) when allowed. */
function words(groups: readonly string[], v4Last: boolean): number[] | undefined {
  const out: number[] = [];
  for (const [i, group] of groups.entries()) {
    if (v4Last && i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIPv4(group);
      if (v4 === undefined) return undefined;
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else if (/^[0-9a-f]{1,4}$/i.test(group)) {
      out.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** 16 bytes, or undefined. Accepts `::` once and a trailing dotted quad (RFC 4291 §2.2). */
function parseIPv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const compressed = halves.length === 2;
  const before = words(groups(halves[0] ?? ''), !compressed);
  const after = compressed ? words(groups(halves[1] ?? ''), true) : [];
  if (before === undefined || after === undefined) return undefined;
  const missing = 8 - before.length - after.length;
  // `::` stands for at least one zero group; without it there must be exactly eight.
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const all = [...before, ...new Array<number>(missing).fill(0), ...after];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function isMappedIPv4(bytes: Uint8Array): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

export function parseAddress(text: string): Address | undefined {
  const bare = text.trim().replace(/%[^%]+$/, '');
  const v4 = parseIPv4(bare);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  const v6 = bare.includes(':') ? parseIPv6(bare) : undefined;
  if (v6 === undefined) return undefined;
  return isMappedIPv4(v6) ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}

function hostBitsSet(bytes: Uint8Array, prefix: number): boolean {
  return bytes.some((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    return (b & (0xff >> keep)) !== 0;
  });
}

/**
 * A block (`10.0.0.0/8`, `2001:db8::/32`) or a bare address (a /32 or /128). Returns a
 * reason when the text is not one, so the caller can name the fix.
 */
export function parseCidr(text: string): Cidr | string {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return 'has more than one "/"';
  const address = parseAddress(addressText);
  if (address === undefined) return 'is not an IPv4 or IPv6 address';
  const width = address.family === 4 ? 32 : 128;
  // A mapped block (::ffff:a.b.c.d/n) is the IPv4 block of the last 32 bits.
  const offset = address.family === 4 && addressText.includes(':') ? 96 : 0;
  if (prefixText === undefined) return { ...address, prefix: width };
  if (!/^\d{1,3}$/.test(prefixText)) return 'has a prefix length that is not a number';
  const prefix = Number(prefixText) - offset;
  if (prefix < 0 || prefix > width) return `has a prefix length outside 0..${width + offset}`;
  if (hostBitsSet(address.bytes, prefix)) return 'has bits set after the prefix length (use the network address of the block)';
  return { ...address, prefix };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const parsed = parseAddress(address);
  if (parsed === undefined || parsed.family !== cidr.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const keep = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - keep)) & 0xff;
    const i = bit / 8;
    if (((parsed.bytes[i] ?? 0) & mask) !== ((cidr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}
