/**
 * A 64-bit FNV-1a hash rendered as 16 hex digits. Written out here rather
 * than taken from node:crypto so the engine runs unchanged in the browser.
 */
export function stableHash(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo ^= text.charCodeAt(i);
    // Multiply the 64-bit value (hi, lo) by the FNV prime 0x100000001b3.
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + Math.imul(lo, 0x100) + carry) >>> 0;
    lo = loMul >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
