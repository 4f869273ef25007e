import { describe, expect, it } from 'vitest';
import { container, deployment, findings, snapshot } from './fixtures.js';

const probe = (path: string, port: number | string) => ({ httpGet: { path, port } });

describe('pod-probes-identical', () => {
  it('reports a container whose liveness and readiness probes check the same thing', () => {
    const same = container({ probes: false });
    same.livenessProbe = { ...probe('/healthz', 8080), periodSeconds: 5 };
    // Key order and timing differ; the check is the same.
    same.readinessProbe = { periodSeconds: 10, httpGet: { port: 8080, path: '/healthz' } };
    const [f] = findings(
      'pod-probes-identical',
      snapshot([deployment('web', { containers: [same] })]),
    );
    expect(f?.severity).toBe('warning');
    expect(f?.message).toBe(
      'The container "app" of Deployment shop/web has the same liveness and readiness check, so whenever it is not ready it is also restarted.',
    );
  });

  it('accepts probes that check different endpoints', () => {
    expect(findings('pod-probes-identical', snapshot([deployment('web')]))).toEqual([]);
  });
});

describe('liveness-port, readiness-port, startup-port', () => {
  it('reports a probe on a port name the container does not declare', () => {
    const c = container({ ports: [{ name: 'http', containerPort: 8080 }] });
    c.livenessProbe = probe('/healthz', 'metrics');
    c.startupProbe = { tcpSocket: { port: 'admin' } };
    const snap = snapshot([deployment('web', { containers: [c] })]);
    const [live] = findings('liveness-port', snap);
    expect(live?.severity).toBe('high');
    expect(live?.message).toBe(
      'The liveness probe of the container "app" of Deployment shop/web uses the port "metrics", but it declares only "http", so the kubelet restarts the container again and again.',
    );
    expect(findings('startup-port', snap)[0]?.message).toContain(
      '"admin", but it declares only "http"',
    );
    expect(findings('readiness-port', snap)).toEqual([]);
  });

  it('accepts declared names and numbers, which a process may listen on undeclared', () => {
    const c = container({ ports: [{ name: 'http', containerPort: 8080 }] });
    c.livenessProbe = probe('/healthz', 'http');
    c.readinessProbe = probe('/readyz', 9090);
    const snap = snapshot([deployment('web', { containers: [c] })]);
    expect(findings('liveness-port', snap)).toEqual([]);
    expect(findings('readiness-port', snap)).toEqual([]);
  });
});

describe('container-ports-check', () => {
  it('reports invalid numbers and names and ports declared twice in the pod', () => {
    const web = container({
      name: 'web',
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'Bad_Name', containerPort: 8081 },
        { name: 'broken', containerPort: 70000 },
      ],
    });
    const sidecar = container({
      name: 'proxy',
      ports: [
        { name: 'proxy', containerPort: 8080 },
        { name: 'http', containerPort: 9000 },
      ],
    });
    const result = findings(
      'container-ports-check',
      snapshot([deployment('web', { containers: [web, sidecar] })]),
    );
    expect(result.map((f) => [f.severity, f.message])).toEqual([
      [
        'high',
        'The port "Bad_Name" (8081) of the container "web" of Deployment shop/web has a name the API server rejects: a port name is at most 15 lowercase letters, digits and single hyphens, with at least one letter.',
      ],
      [
        'high',
        'The port "broken" (70000) of the container "web" of Deployment shop/web has the containerPort 70000, which is not a port number from 1 to 65535.',
      ],
      [
        'warning',
        'The port "http" (9000) of the container "proxy" of Deployment shop/web reuses the port name "http" of the container "web", so probes and Services naming it are ambiguous.',
      ],
      [
        'warning',
        'The port "proxy" (8080) of the container "proxy" of Deployment shop/web repeats TCP port 8080, already declared by the container "web"; containers of a pod share one network namespace, so only one can bind it.',
      ],
    ]);
  });

  it('says so when one container declares a port twice', () => {
    const c = container({
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'http', containerPort: 8080 },
      ],
    });
    const result = findings(
      'container-ports-check',
      snapshot([deployment('web', { containers: [c] })]),
    );
    expect(result.map((f) => f.message).sort()).toEqual([
      'The port "http" (8080) of the container "app" of Deployment shop/web repeats TCP port 8080, which the same container already declares.',
      'The port "http" (8080) of the container "app" of Deployment shop/web reuses the port name "http" of another port of the same container, so probes and Services naming it are ambiguous.',
    ]);
  });

  it('accepts distinct, valid ports, and one number for TCP and UDP', () => {
    const c = container({
      ports: [
        { name: 'dns', containerPort: 5353, protocol: 'UDP' },
        { name: 'dns-tcp', containerPort: 5353 },
        { containerPort: 8080 },
      ],
    });
    expect(
      findings('container-ports-check', snapshot([deployment('web', { containers: [c] })])),
    ).toEqual([]);
  });
});

describe('privileged-ports and ssh-port', () => {
  it('reports ports below 1024 and port 22', () => {
    const c = container({
      ports: [
        { name: 'http', containerPort: 80 },
        { name: 'ssh', containerPort: 22 },
      ],
    });
    const snap = snapshot([deployment('web', { containers: [c] })]);
    expect(
      findings('privileged-ports', snap)
        .map((f) => f.message)
        .sort(),
    ).toEqual([
      'The container "app" of Deployment shop/web declares the privileged port 22; binding it needs root or the NET_BIND_SERVICE capability.',
      'The container "app" of Deployment shop/web declares the privileged port 80; binding it needs root or the NET_BIND_SERVICE capability.',
    ]);
    const [ssh] = findings('ssh-port', snap);
    expect(ssh?.message).toBe('The container "app" of Deployment shop/web exposes port 22 (SSH).');
  });

  it('accepts unprivileged ports', () => {
    const c = container({
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'sftp', containerPort: 2222 },
      ],
    });
    const snap = snapshot([deployment('web', { containers: [c] })]);
    expect(findings('privileged-ports', snap)).toEqual([]);
    expect(findings('ssh-port', snap)).toEqual([]);
  });
});
