import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { EgressGuard } from '../../src/core/egress-guard.js';
import { createChannel } from '../../src/providers/notify/channels.js';
import type { InspectionNotice } from '../../src/providers/notify/message.js';
import { TEST_ALLOWED_TARGETS } from '../../../../test/support/network.js';

const notice: InspectionNotice = {
  cluster: 'prod',
  scope: 'prod/shop',
  runId: '42',
  url: 'https://kubeops.example.com/inspections/runs/42',
  overallScore: 81,
  scores: { reliability: 70, configuration: 90, security: 75, cost: 100, anomaly: 100, logs: 100 },
  counts: { total: 3, new: 2, regressed: 1, resolved: 4 },
  findings: [
    {
      ruleId: 'pod-crashloop',
      severity: 'critical',
      category: 'reliability',
      status: 'new',
      resource: 'Pod/shop/web-1',
      message: 'crashing: exit 1',
    },
    {
      ruleId: 'container-privileged',
      severity: 'high',
      category: 'security',
      status: 'regressed',
      resource: 'Deployment/shop/web',
      message: 'privileged',
    },
  ],
  time: '2026-01-15T12:00:00.000Z',
};

interface Received {
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The receivers below listen on loopback, which KubeOps connects to only when allow-listed. */
const egress = new EgressGuard({ allowedTargets: TEST_ALLOWED_TARGETS });

const servers: Array<Server | SMTPServer> = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))),
  );
});

/** A loopback HTTP receiver answering like the platform it stands for. */
async function protocolFake(answer: (req: Received) => { status?: number; body: unknown }) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = {
        url: new URL(req.url!, 'http://fake'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(got);
      const reply = answer(got);
      res.writeHead(reply.status ?? 200, {
        'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const equal = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

describe('protocol fake of Slack', () => {
  it('receives a text fallback and mrkdwn blocks with a Slack link', async () => {
    const slack = await protocolFake(() => ({ body: 'ok' }));
    await createChannel({ type: 'slack', url: `${slack.url}/services/T000/B000/XXX` }, egress).send(
      notice,
    );
    const body = JSON.parse(slack.received[0]!.body);
    expect(body.text).toContain('2 new, 1 regressed, 4 resolved');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(body.blocks[1].type).toBe('section');
    expect(body.blocks[1].text.type).toBe('mrkdwn');
    expect(body.blocks[1].text.text).toContain(
      '<https://kubeops.example.com/inspections/runs/42|Open the report>',
    );
    expect(body.blocks[1].text.text).toContain('[CRITICAL] new pod-crashloop Pod/shop/web-1');
  });

  it('reports a refused message as a delivery failure without the webhook URL', async () => {
    const slack = await protocolFake(() => ({ status: 404, body: 'no_service' }));
    const error = await createChannel(
      { type: 'slack', url: `${slack.url}/services/SECRET-TOKEN` },
      egress,
    )
      .send(notice)
      .catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: 'notification_failed' });
    expect((error as Error).message).toContain('answered 404');
    expect((error as Error).message).not.toContain('SECRET-TOKEN');
  });
});

describe('protocol fake of DingTalk', () => {
  const secret = 'SEC0123456789abcdef';
  it('verifies the timestamp + HMAC-SHA256 signature in the URL and takes markdown', async () => {
    const dingtalk = await protocolFake(({ url }) => {
      const timestamp = url.searchParams.get('timestamp')!;
      const expected = createHmac('sha256', secret)
        .update(`${timestamp}\n${secret}`)
        .digest('base64');
      const fresh = Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
      return equal(url.searchParams.get('sign') ?? '', expected) && fresh
        ? { body: { errcode: 0, errmsg: 'ok' } }
        : { body: { errcode: 310000, errmsg: 'sign not match' } };
    });
    await createChannel(
      {
        type: 'dingtalk',
        url: `${dingtalk.url}/robot/send?access_token=abc`,
        secret,
      },
      egress,
    ).send(notice);
    const got = dingtalk.received[0]!;
    expect(got.url.searchParams.get('access_token')).toBe('abc');
    const body = JSON.parse(got.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title.length).toBeLessThanOrEqual(64);
    expect(body.markdown.text).toContain(
      '[Open the report](https://kubeops.example.com/inspections/runs/42)',
    );
  });

  it('fails when the robot refuses the signature', async () => {
    const dingtalk = await protocolFake(() => ({
      body: { errcode: 310000, errmsg: 'sign not match' },
    }));
    await expect(
      createChannel(
        {
          type: 'dingtalk',
          url: `${dingtalk.url}/robot/send?access_token=abc`,
          secret: 'wrong',
        },
        egress,
      ).send(notice),
    ).rejects.toThrow(/errcode 310000\)$/);
  });
});

describe('protocol fake of Feishu', () => {
  const secret = 'feishu-secret';
  it('verifies the signature in the body (key = timestamp\\nsecret) and takes a card', async () => {
    const feishu = await protocolFake(({ body }) => {
      const parsed = JSON.parse(body);
      const key = `${parsed.timestamp}\n${secret}`;
      const expected = createHmac('sha256', key).update('').digest('base64');
      return equal(parsed.sign ?? '', expected)
        ? { body: { code: 0, msg: 'success' } }
        : {
            body: {
              code: 19021,
              msg: 'sign match fail or timestamp is not within one hour from current time',
            },
          };
    });
    await createChannel(
      {
        type: 'feishu',
        url: `${feishu.url}/open-apis/bot/v2/hook/xyz`,
        secret,
      },
      egress,
    ).send(notice);
    const body = JSON.parse(feishu.received[0]!.body);
    expect(Number(body.timestamp)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(body.msg_type).toBe('interactive');
    expect(body.card.elements[0].tag).toBe('markdown');
    expect(body.card.elements[0].content).toContain('container-privileged');
  });

  it('fails on a non-zero code', async () => {
    const feishu = await protocolFake(() => ({ body: { code: 19021, msg: 'sign match fail' } }));
    await expect(
      createChannel({ type: 'feishu', url: `${feishu.url}/hook`, secret: 'x' }, egress).send(
        notice,
      ),
    ).rejects.toThrow(/code 19021/);
  });
});

describe('protocol fake of WeCom', () => {
  it('takes markdown within 4096 bytes', async () => {
    const wecom = await protocolFake(() => ({ body: { errcode: 0, errmsg: 'ok' } }));
    const many = {
      ...notice,
      findings: Array.from({ length: 19 }, (_, i) => ({
        ...notice.findings[0]!,
        resource: `Pod/shop/${'x'.repeat(200)}-${i}`,
      })),
    };
    await createChannel(
      { type: 'wecom', url: `${wecom.url}/cgi-bin/webhook/send?key=k` },
      egress,
    ).send(many);
    const body = JSON.parse(wecom.received[0]!.body);
    expect(body.msgtype).toBe('markdown');
    expect(Buffer.byteLength(body.markdown.content)).toBeLessThanOrEqual(4096);
    expect(wecom.received[0]!.url.searchParams.get('key')).toBe('k');
  });
});

describe('protocol fake of a generic webhook', () => {
  it('receives the whole notice signed with HMAC-SHA256 over timestamp.body', async () => {
    const hook = await protocolFake(() => ({ body: { ok: true } }));
    await createChannel(
      {
        type: 'webhook',
        url: `${hook.url}/kubeops`,
        secret: 'hook-secret',
      },
      egress,
    ).send(notice);
    const got = hook.received[0]!;
    const timestamp = String(got.headers['x-kubeops-timestamp']);
    const mac = createHmac('sha256', 'hook-secret')
      .update(`${timestamp}.${got.body}`)
      .digest('hex');
    expect(got.headers['x-kubeops-signature']).toBe(`sha256=${mac}`);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({
      type: 'inspection.completed',
      cluster: 'prod',
      runId: '42',
      counts: { new: 2 },
    });
    expect(body.findings).toHaveLength(2);
  });
});

describe('protocol fake of an SMTP server', () => {
  it('receives a mail with the headline as subject, after authenticating', async () => {
    const mails: Array<{ from: string; to: string[]; data: string; user: string }> = [];
    const smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, done) {
        if (auth.username === 'kubeops' && auth.password === 'pw')
          done(null, { user: auth.username });
        else done(new Error('bad credentials'));
      },
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString(),
            user: String(session.user),
          });
          done();
        });
      },
    });
    servers.push(smtp);
    await new Promise<void>((done) => smtp.listen(0, '127.0.0.1', done));
    const port = (smtp.server.address() as AddressInfo).port;
    const channel = createChannel(
      {
        type: 'email',
        host: '127.0.0.1',
        port,
        secure: false,
        username: 'kubeops',
        password: 'pw',
        from: 'kubeops@example.com',
        to: ['ops@example.com', 'sre@example.com'],
      },
      egress,
    );
    await channel.send(notice);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.user).toBe('kubeops');
    expect(mails[0]!.to).toEqual(['ops@example.com', 'sre@example.com']);
    expect(mails[0]!.data).toMatch(/Subject: KubeOps inspection of prod\/shop/);
    expect(mails[0]!.data).toContain('pod-crashloop');

    const wrong = createChannel(
      {
        type: 'email',
        host: '127.0.0.1',
        port,
        username: 'kubeops',
        password: 'nope',
        from: 'a@b.c',
        to: ['x@y.z'],
      },
      egress,
    );
    await expect(wrong.send(notice)).rejects.toMatchObject({ code: 'notification_failed' });
  });
});
