import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { EgressGuard } from '../../core/egress-guard.js';
import { KubeOpsError } from '../../core/errors.js';
import { postJson, requireZeroCode } from './http-post.js';
import { MAX_LISTED, headline, markdownDigest, type InspectionNotice } from './message.js';

/** A configured destination; `send` throws a KubeOpsError when delivery fails. */
export interface NotifyChannel {
  readonly type: ChannelConfig['type'];
  send(notice: InspectionNotice): Promise<void>;
}

export type ChannelConfig =
  | { type: 'webhook'; url: string; secret?: string | undefined }
  | { type: 'slack'; url: string }
  | { type: 'dingtalk'; url: string; secret?: string | undefined }
  | { type: 'feishu'; url: string; secret?: string | undefined }
  | { type: 'wecom'; url: string }
  | {
      type: 'email';
      host: string;
      port: number;
      secure?: boolean | undefined;
      username?: string | undefined;
      password?: string | undefined;
      from: string;
      to: string[];
    };

export const CHANNEL_TYPES = ['webhook', 'slack', 'dingtalk', 'feishu', 'wecom', 'email'] as const;

/**
 * Generic webhook: the whole notice as JSON. With a secret, the body is signed
 * as `X-KubeOps-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` with
 * the timestamp in `X-KubeOps-Timestamp`, so a receiver can reject replays.
 */
function webhook(
  config: { url: string; secret?: string | undefined },
  egress: EgressGuard,
): NotifyChannel {
  return {
    type: 'webhook',
    async send(notice) {
      const body = JSON.stringify({ type: 'inspection.completed', ...notice });
      const headers: Record<string, string> = {};
      if (config.secret) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const mac = createHmac('sha256', config.secret)
          .update(`${timestamp}.${body}`)
          .digest('hex');
        headers['x-kubeops-timestamp'] = timestamp;
        headers['x-kubeops-signature'] = `sha256=${mac}`;
      }
      await postJson('webhook', config.url, body, headers, egress);
    },
  };
}

/** Slack incoming webhook: a header and a mrkdwn section (Slack links are <url|text>). */
function slack(config: { url: string }, egress: EgressGuard): NotifyChannel {
  return {
    type: 'slack',
    async send(notice) {
      const text = markdownDigest(notice, (t, u) => `<${u}|${t}>`).replace(/\*\*/g, '*');
      const answer = await postJson(
        'slack',
        config.url,
        {
          text: headline(notice),
          blocks: [
            {
              type: 'header',
              text: { type: 'plain_text', text: `KubeOps: ${notice.scope}`.slice(0, 150) },
            },
            { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } },
          ],
        },
        {},
        egress,
      );
      if (typeof answer === 'string' && answer !== 'ok') {
        throw new KubeOpsError(
          'notification_failed',
          502,
          'slack: the endpoint answered something other than "ok"; is the URL a Slack incoming webhook?',
        );
      }
    },
  };
}

/**
 * DingTalk custom robot. With a signing secret, `timestamp` (ms) and
 * `sign` = base64(HMAC-SHA256(key = secret, "<timestamp>\n<secret>")) go in the URL.
 */
export function dingtalkSignedUrl(url: string, secret: string, now = Date.now()): string {
  const timestamp = String(now);
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const signed = new URL(url);
  signed.searchParams.set('timestamp', timestamp);
  signed.searchParams.set('sign', sign);
  return signed.toString();
}

function dingtalk(
  config: { url: string; secret?: string | undefined },
  egress: EgressGuard,
): NotifyChannel {
  return {
    type: 'dingtalk',
    async send(notice) {
      const url = config.secret ? dingtalkSignedUrl(config.url, config.secret) : config.url;
      const answer = await postJson(
        'dingtalk',
        url,
        {
          msgtype: 'markdown',
          markdown: { title: headline(notice).slice(0, 64), text: markdownDigest(notice) },
        },
        {},
        egress,
      );
      requireZeroCode('dingtalk', answer, 'errcode');
    },
  };
}

/**
 * Feishu / Lark custom bot. With a secret, the body carries `timestamp`
 * (seconds) and `sign` = base64(HMAC-SHA256(key = "<timestamp>\n<secret>", empty message)).
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

function feishu(
  config: { url: string; secret?: string | undefined },
  egress: EgressGuard,
): NotifyChannel {
  return {
    type: 'feishu',
    async send(notice) {
      const timestamp = Math.floor(Date.now() / 1000);
      const answer = await postJson(
        'feishu',
        config.url,
        {
          ...(config.secret
            ? { timestamp: String(timestamp), sign: feishuSign(config.secret, timestamp) }
            : {}),
          msg_type: 'interactive',
          card: {
            header: { title: { tag: 'plain_text', content: `KubeOps: ${notice.scope}` } },
            elements: [{ tag: 'markdown', content: markdownDigest(notice) }],
          },
        },
        {},
        egress,
      );
      requireZeroCode('feishu', answer, 'code');
    },
  };
}

/** WeCom group robot: markdown limited to 4096 bytes. */
function wecom(config: { url: string }, egress: EgressGuard): NotifyChannel {
  return {
    type: 'wecom',
    async send(notice) {
      let content = markdownDigest(notice);
      while (Buffer.byteLength(content) > 4096) content = content.slice(0, content.length - 200);
      const answer = await postJson(
        'wecom',
        config.url,
        { msgtype: 'markdown', markdown: { content } },
        {},
        egress,
      );
      requireZeroCode('wecom', answer, 'errcode');
    },
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function email(
  config: Extract<ChannelConfig, { type: 'email' }>,
  egress: EgressGuard,
): NotifyChannel {
  return {
    type: 'email',
    async send(notice) {
      let address: string;
      try {
        address = await egress.resolve(config.host);
      } catch (error) {
        throw new KubeOpsError(
          'notification_failed',
          502,
          `email: the SMTP server ${config.host}:${config.port} cannot be reached: ${(error as Error).message}`,
        );
      }
      // Connect to the address just checked (no second lookup to rebind); TLS still verifies the name.
      const transport = nodemailer.createTransport({
        host: address,
        port: config.port,
        tls: { servername: config.host },
        secure: config.secure ?? config.port === 465,
        ...(config.username
          ? { auth: { user: config.username, pass: config.password ?? '' } }
          : {}),
        connectionTimeout: 10_000,
      });
      const listed = notice.findings.slice(0, MAX_LISTED);
      const rows = listed
        .map(
          (f) =>
            `<tr><td>${f.severity}</td><td>${f.status}</td><td>${escapeHtml(f.ruleId)}</td><td>${escapeHtml(f.resource)}</td><td>${escapeHtml(f.message)}</td></tr>`,
        )
        .join('');
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: headline(notice),
          text: markdownDigest(notice, (t, u) => `${t}: ${u}`).replace(/\*\*/g, ''),
          html: `<p>${escapeHtml(headline(notice))}</p><table><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>Message</th></tr>${rows}</table>${notice.url ? `<p><a href="${escapeHtml(notice.url)}">Open the report</a></p>` : ''}`,
        });
      } catch (error) {
        throw new KubeOpsError(
          'notification_failed',
          502,
          `email: the SMTP server ${config.host}:${config.port} did not take the message${smtpReason(error)}`,
        );
      } finally {
        transport.close();
      }
    },
  };
}

/** What went wrong with SMTP, in nodemailer's words and the reply code, not the server's own text. */
function smtpReason(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown };
  const parts = [
    typeof e.code === 'string' ? e.code : undefined,
    typeof e.responseCode === 'number' ? `reply ${e.responseCode}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** A channel whose every connection goes through `egress` (no loopback, link-local or metadata). */
export function createChannel(config: ChannelConfig, egress: EgressGuard): NotifyChannel {
  switch (config.type) {
    case 'webhook':
      return webhook(config, egress);
    case 'slack':
      return slack(config, egress);
    case 'dingtalk':
      return dingtalk(config, egress);
    case 'feishu':
      return feishu(config, egress);
    case 'wecom':
      return wecom(config, egress);
    case 'email':
      return email(config, egress);
  }
}
