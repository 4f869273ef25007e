/**
 * A deliberately high estimate of how many tokens a text costs, used to keep
 * a run inside its budget before a call is made (the service reports the true
 * count only afterwards). Latin text and JSON run near four characters per
 * token; counting three errs on the safe side. Other scripts (CJK above all)
 * can cost a token per character, so each non-ASCII character counts as one.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3) + other;
}

/** Chat framing (role markers, separators) per message. */
const PER_MESSAGE = 4;

export function estimateMessagesTokens(texts: string[]): number {
  return texts.reduce((sum, text) => sum + estimateTokens(text) + PER_MESSAGE, 0);
}
