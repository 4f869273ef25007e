import { BlockList, isIP } from 'node:net';

export type AddressFamily = 'ipv4' | 'ipv6';

export interface AddressRange {
  address: string;
  prefix: number;
  family: AddressFamily;
}

/** `10.0.0.0/8`, `fd00::/8` or a single address (a /32 or /128); undefined when it is neither. */
export function parseAddressRange(text: string): AddressRange | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const family: AddressFamily = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/**
 * An IPv4 address written as IPv6 (`::ffff:169.254.169.254`) is the IPv4
 * address on the wire: ranges must see it as such, or a mapped address
 * slips past every IPv4 rule.
 */
export function canonicalAddress(address: string): { address: string; family: AddressFamily } {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const high = parseInt(hexMapped[1]!, 16);
    const low = parseInt(hexMapped[2]!, 16);
    return {
      address: [high >> 8, high & 255, low >> 8, low & 255].join('.'),
      family: 'ipv4',
    };
  }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** A set of address ranges that answers "is this address in one of them". */
export class AddressRanges {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(ranges: Iterable<string | AddressRange>) {
    let size = 0;
    for (const item of ranges) {
      const range = typeof item === 'string' ? parseAddressRange(item) : item;
      if (!range) throw new Error(`not an address or CIDR: ${String(item)}`);
      this.list.addSubnet(range.address, range.prefix, range.family);
      size++;
    }
    this.size = size;
  }

  has(address: string): boolean {
    if (isIP(address) === 0) return false;
    const canonical = canonicalAddress(address);
    return this.list.check(canonical.address, canonical.family);
  }
}
