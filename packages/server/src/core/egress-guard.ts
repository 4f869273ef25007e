import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AddressRanges, canonicalAddress } from './address-ranges.js';
import { KubeOpsError } from './errors.js';

/**
 * Addresses a URL someone typed into KubeOps (a cluster server, a webhook)
 * must not reach: the host itself, link-local space with the cloud metadata
 * services (169.254.169.254, fd00:ec2::254), and the unspecified address
 * (0.0.0.0 reaches the local host too). IPv4-mapped IPv6 forms are the same
 * addresses (see canonicalAddress).
 */
const DENIED: Array<{ range: string; why: string }> = [
  { range: '0.0.0.0/8', why: 'unspecified' },
  { range: '127.0.0.0/8', why: 'loopback' },
  { range: '169.254.0.0/16', why: 'link-local / cloud metadata' },
  { range: '::/128', why: 'unspecified' },
  { range: '::1/128', why: 'loopback' },
  { range: 'fe80::/10', why: 'link-local' },
  { range: 'fd00:ec2::254/128', why: 'cloud metadata' },
];
const DENIED_RANGES = DENIED.map((d) => ({ ...d, ranges: new AddressRanges([d.range]) }));

export interface EgressSettings {
  /** Addresses/CIDRs reachable although they are in a denied range (e.g. a cluster on 127.0.0.1). */
  allowedTargets: string[];
}

/** Why `address` may not be connected to, or undefined when it may. */
export function deniedBecause(address: string, allowed: AddressRanges): string | undefined {
  if (allowed.has(address)) return undefined;
  const canonical = canonicalAddress(address).address;
  return DENIED_RANGES.find((d) => d.ranges.has(canonical))?.why;
}

function refused(address: string, why: string): KubeOpsError {
  return new KubeOpsError(
    'egress_denied',
    422,
    `connections to ${address} (${why}) are refused; an operator can allow it with network.allowedTargets`,
    { details: { address, reason: why } },
  );
}

/**
 * The one check of every outgoing connection to a user-supplied address. It
 * runs in the socket's DNS lookup, on the very addresses the socket then
 * connects to, so a name that resolves to a public address when checked and
 * to 169.254.169.254 when connecting (DNS rebinding) still fails; IP
 * literals, which skip the lookup, are checked before connecting.
 */
export class EgressGuard {
  private readonly allowed: AddressRanges;

  constructor(settings: EgressSettings) {
    this.allowed = new AddressRanges(settings.allowedTargets);
  }

  /** Throws egress_denied when the URL's host is an IP literal in a denied range. */
  checkUrl(url: URL | string): void {
    const host = (typeof url === 'string' ? new URL(url) : url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0) return;
    const why = deniedBecause(host, this.allowed);
    if (why) throw refused(host, why);
  }

  /** A dns.lookup that never hands a denied address to the socket. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = addresses.filter((a) => !deniedBecause(a.address, this.allowed));
      if (usable.length === 0) {
        const first = addresses[0];
        const why = first ? deniedBecause(first.address, this.allowed)! : 'no address';
        return callback(refused(first?.address ?? hostname, why), '', 0);
      }
      if (options.all) return callback(null, usable as never, 0);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };

  /** The address to connect to for `host`, checked (for clients that cannot take a lookup function). */
  resolve(host: string): Promise<string> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) {
      const why = deniedBecause(bare, this.allowed);
      return why ? Promise.reject(refused(bare, why)) : Promise.resolve(bare);
    }
    return new Promise((resolve, reject) =>
      this.lookup(bare, {}, (error, address) =>
        error ? reject(error) : resolve(address as string),
      ),
    );
  }

  /** Agent options that put every connection through the guard. */
  agentOptions(): { lookup: LookupFunction } {
    return { lookup: this.lookup };
  }

  httpsAgent(options: https.AgentOptions = {}): https.Agent {
    return new https.Agent({ ...options, ...this.agentOptions() });
  }

  httpAgent(options: http.AgentOptions = {}): http.Agent {
    return new http.Agent({ ...options, ...this.agentOptions() });
  }
}
