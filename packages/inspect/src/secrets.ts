/**
 * Recognises credentials in text: the one list the credential rules (a
 * literal secret in a pod spec or a ConfigMap) and the AI anonymizer (never
 * send a secret to a model) share.
 *
 * Every pattern runs in time linear in the input: each repetition is bounded
 * or fenced by a lookbehind that lets a match start only where a run of its
 * characters starts, so no input makes the engine retry a long run from every
 * position. A private key block is found by its header and ended with
 * `indexOf`, not by a pattern spanning the block.
 */

export interface SecretDetector {
  /** What the match is, as findings and redactions name it. */
  what: string;
  /** Global, linear. The first group that matched, if any, is the secret part of the match. */
  pattern: RegExp;
  /**
   * `shape`: recognisable by its format alone (a vendor prefix, a PEM header);
   * `context`: a header or a heuristic, right for redacting text, too loose to
   * report a finding on.
   */
  evidence: 'shape' | 'context';
  /** A check on the candidate the pattern cannot express. */
  accept?: (secret: string) => boolean;
}

/**
 * The armour line of a private key in PEM (five dashes, RFC 7468) or in the
 * SSH2 public-key-file format (four dashes and spaces, RFC 4716), whatever
 * words precede PRIVATE KEY, in any letter case.
 */
const PRIVATE_KEY_HEADER = /-{4,5} ?BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)? ?-{4,5}/gi;

/** "-----BEGIN " in base64: a PEM file encoded whole starts with it. */
const BASE64_PEM = /LS0tLS1CRUdJTi[A-Za-z0-9+/]{16,}={0,2}/g;

/** A base64 run whose decoded text holds a private key header. */
function decodesToPrivateKey(encoded: string): boolean {
  // The first 200 characters decode well past the header; padding keeps atob happy.
  const head = encoded.slice(0, 200);
  const aligned = head.slice(0, head.length - (head.length % 4));
  let text: string;
  try {
    text = atob(aligned);
  } catch {
    return false;
  }
  return new RegExp(PRIVATE_KEY_HEADER.source, 'i').test(text);
}

export const SECRET_DETECTORS: readonly SecretDetector[] = [
  {
    what: 'AWS access key id',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])/g,
    evidence: 'shape',
  },
  // RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP (… PRIVATE KEY BLOCK) or plain PKCS#8.
  { what: 'private key', pattern: PRIVATE_KEY_HEADER, evidence: 'shape' },
  // PuTTY's own key file format, version 2 or 3.
  { what: 'private key', pattern: /PuTTY-User-Key-File-\d+: ?[a-z0-9-]+/g, evidence: 'shape' },
  // A PEM key stored base64-encoded once more (a ConfigMap value, an env var).
  { what: 'private key', pattern: BASE64_PEM, evidence: 'shape', accept: decodesToPrivateKey },
  {
    what: 'GitHub token',
    pattern:
      /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])/g,
    evidence: 'shape',
  },
  {
    what: 'Slack token',
    pattern: /(?<![A-Za-z0-9-])(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Za-z0-9-]{10,250})/g,
    evidence: 'shape',
  },
  {
    what: 'Slack webhook',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9/_-]{16,200})/g,
    evidence: 'shape',
  },
  {
    what: 'Google API key',
    pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
    evidence: 'shape',
  },
  {
    what: 'Google OAuth token',
    pattern: /(?<![A-Za-z0-9_.-])(?:ya29\.[0-9A-Za-z_-]{20,2048}|GOCSPX-[0-9A-Za-z_-]{28})/g,
    evidence: 'shape',
  },
  // A password spelled `$(VAR)` is expanded by Kubernetes from another
  // variable (usually a secretKeyRef): the spec itself holds no secret; nor
  // does one already blanked as [redacted].
  {
    what: 'URL with a password',
    pattern:
      /(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{1,256}:(?!\$\([A-Za-z0-9_]+\)@|\[redacted\]@)([^\s@/]{1,256})(?=@)/gi,
    evidence: 'shape',
  },
  {
    what: 'JSON Web Token',
    pattern:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,4096}\.eyJ[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]{10,4096}/g,
    evidence: 'shape',
  },
  {
    what: 'authorization header',
    pattern:
      /(?<![A-Za-z0-9-])(?:proxy-)?authorization["']?[ \t]{0,4}[:=][ \t]{0,4}["']?(?:(?:bearer|basic|token|negotiate|digest)[ \t]{1,4}(?!\[redacted\])([^\s"',;]{6,4096})|(?!(?:bearer|basic|token|negotiate|digest)\b|\[redacted\])([^\s"',;]{6,4096}))/gi,
    evidence: 'context',
  },
  // The whole header value: every cookie in it may be a session.
  {
    what: 'cookie',
    pattern:
      /(?<![A-Za-z0-9-])(?:set-)?cookie["']?[ \t]{0,4}:[ \t]{0,4}(?!\[redacted\])([^\r\n"'\\]{1,8192})/gi,
    evidence: 'context',
  },
  // A bare AWS secret access key: 40 characters of base64 with nothing to
  // name it, told from a hash or an identifier by its mix and randomness.
  {
    what: 'AWS secret access key',
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    evidence: 'context',
    accept: (s) => looksRandom(s, 4),
  },
  {
    what: 'random-looking string',
    pattern: /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{32,1024}={0,2}(?![A-Za-z0-9+/=_-])/g,
    evidence: 'context',
    accept: (s) => looksRandom(s),
  },
];

/** Shannon entropy of the characters of `s`, in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a token looks like generated key material: upper case, lower case
 * and digits mixed (hex digests, UUIDs and Kubernetes names are lower case)
 * with a high entropy (words and identifiers repeat their letters).
 */
export function looksRandom(s: string, minimumBits = 4.2): boolean {
  const core = s.replace(/=+$/, '');
  if (core.length < 20) return false;
  if (!/[A-Z]/.test(core) || !/[a-z]/.test(core) || !/[0-9]/.test(core)) return false;
  return shannonEntropy(core) >= minimumBits;
}

export interface SecretMatch {
  what: string;
  /** The secret's range in the text, end exclusive. */
  start: number;
  end: number;
}

/**
 * Every credential in `text`, as sorted, non-overlapping ranges (overlapping
 * finds are merged, keeping the first one's name). A private key runs from its
 * header to its END line, or to the end of the text when that is missing.
 */
export function findSecrets(
  text: string,
  evidence: SecretDetector['evidence'] | 'any' = 'any',
): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const detector of SECRET_DETECTORS) {
    if (evidence !== 'any' && detector.evidence !== evidence) continue;
    if (detector.pattern === PRIVATE_KEY_HEADER) {
      found.push(...privateKeys(text));
      continue;
    }
    for (const m of text.matchAll(detector.pattern)) {
      const part = m.slice(1).find((group) => group !== undefined);
      const secret = part ?? m[0];
      if (detector.accept && !detector.accept(secret)) continue;
      // Every secret group ends its pattern.
      const start = m.index + m[0].length - secret.length;
      found.push({ what: detector.what, start, end: start + secret.length });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretMatch[] = [];
  for (const match of found) {
    const last = merged[merged.length - 1];
    if (last && match.start < last.end) last.end = Math.max(last.end, match.end);
    else merged.push({ ...match });
  }
  return merged;
}

function privateKeys(text: string): SecretMatch[] {
  const keys: SecretMatch[] = [];
  // Its own copy (exec moves lastIndex), with the same flags: any letter case.
  const header = new RegExp(PRIVATE_KEY_HEADER.source, PRIVATE_KEY_HEADER.flags);
  let m: RegExpExecArray | null;
  while ((m = header.exec(text))) {
    // The END line mirrors the BEGIN line: same dashes, words and case.
    const endLine = m[0].replace(/BEGIN/i, (begin) => (begin === 'begin' ? 'end' : 'END'));
    const at = text.indexOf(endLine, m.index + m[0].length);
    const end = at < 0 ? text.length : at + endLine.length;
    keys.push({ what: 'private key', start: m.index, end });
    header.lastIndex = end;
  }
  return keys;
}

/** The name of the first credential recognisable by its shape in `value`, if any. */
export function secretShapeIn(value: string): string | undefined {
  for (const detector of SECRET_DETECTORS) {
    if (detector.evidence !== 'shape') continue;
    if (detector.accept) {
      const accept = detector.accept;
      const hit = [...value.matchAll(detector.pattern)].some((m) =>
        accept(m.slice(1).find((group) => group !== undefined) ?? m[0]),
      );
      if (hit) return detector.what;
      continue;
    }
    detector.pattern.lastIndex = 0;
    const hit = detector.pattern.test(value);
    detector.pattern.lastIndex = 0;
    if (hit) return detector.what;
  }
  return undefined;
}
