import type { Category, Severity } from '@kubeops/inspect';

/** One finding as a notification shows it. */
export interface NotifiedFinding {
  ruleId: string;
  severity: Severity;
  category: Category;
  status: 'new' | 'open' | 'regressed';
  resource: string;
  message: string;
}

/** What every channel receives after an inspection run; each renders it its own way. */
export interface InspectionNotice {
  cluster: string;
  scope: string;
  runId: string;
  /** A link to the report in the console, when the public URL is known. */
  url?: string | undefined;
  overallScore: number;
  scores: Record<Category, number>;
  counts: { total: number; new: number; regressed: number; resolved: number };
  findings: NotifiedFinding[];
  time: string;
}

export const MAX_LISTED = 20;

export function headline(notice: InspectionNotice): string {
  const { counts } = notice;
  return `KubeOps inspection of ${notice.scope}: ${counts.new} new, ${counts.regressed} regressed, ${counts.resolved} resolved (${counts.total} open, score ${notice.overallScore})`;
}

/** Markdown digest used by the chat channels (DingTalk, Feishu, WeCom, Slack's mrkdwn differs only in links). */
export function markdownDigest(
  notice: InspectionNotice,
  link: (text: string, url: string) => string = (t, u) => `[${t}](${u})`,
): string {
  const lines = [`**${headline(notice)}**`, ''];
  for (const f of notice.findings.slice(0, MAX_LISTED)) {
    lines.push(
      `- [${f.severity.toUpperCase()}] ${f.status} ${f.ruleId} ${f.resource}: ${f.message}`,
    );
  }
  const rest = notice.findings.length - MAX_LISTED;
  if (rest > 0) lines.push(`- … and ${rest} more`);
  if (notice.url) lines.push('', link('Open the report', notice.url));
  return lines.join('\n');
}
