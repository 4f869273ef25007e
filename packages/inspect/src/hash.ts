/**
 * A 64-bit FNV-1a style hash rendered as 16 hex digits. Written out here
 * rather than taken from node:crypto so the engine runs unchanged in the
 * browser. The state is kept in four 16-bit limbs so that every step is
 * small-integer arithmetic: fingerprints are hashed once per finding, 100,000
 * times in a large cluster.
 *
 * The first version of this function read the low 32 bits as a signed
 * number, which lowers the high word by 0x1b3 whenever bit 31 is set. Stored
 * fingerprints depend on that, so the step is kept: changing it would turn
 * every known finding into a new one.
 */
export function stableHash(text: string): string {
  return hashParts([text]);
}

/**
 * The hash of `parts` joined by NUL, without building the joined string.
 */
export function hashParts(parts: readonly string[]): string {
  // FNV offset basis 0xcbf29ce484222325, lowest limb first.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (let p = 0; p < parts.length; p++) {
    const text = parts[p]!;
    // The separator between parts is a NUL character: XOR with 0 is a no-op, the multiply is not.
    for (let i = p === 0 ? 0 : -1; i < text.length; i++) {
      if (i >= 0) h0 ^= text.charCodeAt(i);
      // Multiply by the FNV prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64.
      const t0 = h0 * 0x1b3;
      const t1 = h1 * 0x1b3 + (t0 >>> 16);
      const signed = h1 & 0x8000 ? 0x1b3 : 0;
      const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16) - signed;
      const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >> 16);
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
      h3 = t3 & 0xffff;
    }
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

function hex4(limb: number): string {
  return (limb | 0x10000).toString(16).slice(1);
}
