/**
 * A Drain-style log template miner (He et al., "Drain: An Online Log Parsing
 * Approach with Fixed Depth Tree", ICWS 2017): lines are masked, routed by
 * token count and leading tokens through a tree of fixed depth, and merged
 * into the most similar template of the leaf when similar enough.
 */

export const WILDCARD = '<*>';

export interface DrainOptions {
  /** Tree depth including the root and the length layer; depth 4 routes on the first 2 tokens. */
  depth: number;
  /** Share of equal tokens needed to merge a line into a template. */
  similarity: number;
  /** Children per node before further tokens are routed through the wildcard branch. */
  maxChildren: number;
}

export const DEFAULT_DRAIN: DrainOptions = { depth: 4, similarity: 0.5, maxChildren: 100 };

export interface LogCluster {
  id: number;
  tokens: string[];
  count: number;
  examples: string[];
  /** Seeded from the baseline rather than found in the new lines. */
  known: boolean;
}

export function templateText(cluster: Pick<LogCluster, 'tokens'>): string {
  return cluster.tokens.join(' ');
}

/** Variable parts that would otherwise split one message into thousands of templates. */
const MASKS: Array<[RegExp, string]> = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<TS>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<IP>'],
  [/\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b/gi, '<IP>'],
  [/\b0x[0-9a-f]+\b/gi, '<HEX>'],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<HEX>'],
  [/(?<![\w<])[-+]?\d+(?:\.\d+)?(?:ms|s|m|h|ns|us|µs|b|kb|mb|gb|ki|mi|gi|%)?(?![\w>])/gi, '<NUM>'],
];

export function maskLine(line: string): string[] {
  let masked = line;
  for (const [pattern, token] of MASKS) masked = masked.replace(pattern, token);
  return masked.split(/\s+/).filter(Boolean);
}

function hasDigit(token: string): boolean {
  return /\d/.test(token);
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: LogCluster[];
}

const newNode = (): TreeNode => ({ children: new Map(), clusters: [] });

export class LogTemplateMiner {
  private readonly root = newNode();
  private readonly all: LogCluster[] = [];
  private readonly options: DrainOptions;

  constructor(
    options: Partial<DrainOptions> = {},
    private readonly maxExamples = 3,
  ) {
    this.options = { ...DEFAULT_DRAIN, ...options };
  }

  /** Seeds a template already seen (tokens separated by spaces, `<*>` for variables). */
  addKnown(template: string): void {
    const tokens = template.split(/\s+/).filter(Boolean);
    if (tokens.length === 0) return;
    const leaf = this.leafFor(tokens);
    if (leaf.clusters.some((c) => c.tokens.join(' ') === tokens.join(' '))) return;
    const cluster: LogCluster = {
      id: this.all.length + 1,
      tokens,
      count: 0,
      examples: [],
      known: true,
    };
    leaf.clusters.push(cluster);
    this.all.push(cluster);
  }

  add(line: string): LogCluster | undefined {
    const tokens = maskLine(line);
    if (tokens.length === 0) return undefined;
    const leaf = this.leafFor(tokens);
    const match = this.bestMatch(leaf.clusters, tokens);
    if (match) {
      match.tokens = match.tokens.map((t, i) => (t === tokens[i] ? t : WILDCARD));
      match.count++;
      if (match.examples.length < this.maxExamples) match.examples.push(line);
      return match;
    }
    const cluster: LogCluster = {
      id: this.all.length + 1,
      tokens,
      count: 1,
      examples: [line],
      known: false,
    };
    leaf.clusters.push(cluster);
    this.all.push(cluster);
    return cluster;
  }

  clusters(): LogCluster[] {
    return [...this.all];
  }

  private leafFor(tokens: string[]): TreeNode {
    let node = this.child(this.root, String(tokens.length));
    const routed = Math.min(this.options.depth - 2, tokens.length);
    for (let i = 0; i < routed; i++) {
      const token = tokens[i]!;
      // Tokens with digits are usually variables; route them through the wildcard branch.
      let key = hasDigit(token) || token.startsWith('<') ? WILDCARD : token;
      if (!node.children.has(key) && node.children.size >= this.options.maxChildren) key = WILDCARD;
      node = this.child(node, key);
    }
    return node;
  }

  private child(node: TreeNode, key: string): TreeNode {
    let next = node.children.get(key);
    if (!next) {
      next = newNode();
      node.children.set(key, next);
    }
    return next;
  }

  private bestMatch(clusters: LogCluster[], tokens: string[]): LogCluster | undefined {
    let best: LogCluster | undefined;
    let bestScore = -1;
    let bestWildcards = -1;
    for (const cluster of clusters) {
      let equal = 0;
      let wildcards = 0;
      for (let i = 0; i < tokens.length; i++) {
        const t = cluster.tokens[i];
        if (t === WILDCARD) wildcards++;
        else if (t === tokens[i]) equal++;
      }
      // Wildcards neither help nor hurt similarity; on a tie prefer the more general template.
      const score = (equal + wildcards) / tokens.length;
      if (score > bestScore || (score === bestScore && wildcards > bestWildcards)) {
        best = cluster;
        bestScore = score;
        bestWildcards = wildcards;
      }
    }
    return best && bestScore >= this.options.similarity ? best : undefined;
  }
}

/** Explicit level fields, in the common text and JSON log formats. */
const LEVEL =
  /(?:\blevel[=:]\s*"?|"level"\s*:\s*"|\[|^)(trace|debug|info|notice|warn|warning|error|err|fatal|panic|critical|crit|severe)\b/i;
const ERROR_LEVELS = new Set(['error', 'err', 'fatal', 'panic', 'critical', 'crit', 'severe']);
const ERROR_WORDS =
  /\b(error|exception|fatal|panic|traceback|failed|failure|segfault|oomkilled|out of memory|refused|timed? ?out)\b|\w(Exception|Error)\b/i;

/** Whether a log line reports an error: by its level when it has one, else by its words. */
export function isErrorLine(line: string): boolean {
  if (/^[EF]\d{4} \d{2}:\d{2}:\d{2}/.test(line)) return true; // klog error and fatal lines
  if (/^[IWD]\d{4} \d{2}:\d{2}:\d{2}/.test(line)) return false;
  const level = LEVEL.exec(line);
  if (level) return ERROR_LEVELS.has(level[1]!.toLowerCase());
  return ERROR_WORDS.test(line);
}
