import { describe, expect, it } from 'vitest';
import { container, deployment, findings, obj, pod, snapshot } from './fixtures.js';

const withSecurity = (
  securityContext: Record<string, unknown>,
  spec: Record<string, unknown> = {},
) => deployment('web', { containers: [container({ securityContext })], spec });

describe('container security context', () => {
  it('reports privileged containers but not in system namespaces', () => {
    expect(
      findings('container-privileged', snapshot([withSecurity({ privileged: true })]))[0]?.severity,
    ).toBe('critical');
    const system = deployment('proxy', {
      namespace: 'kube-system',
      containers: [container({ securityContext: { privileged: true } })],
    });
    expect(findings('container-privileged', snapshot([system]))).toEqual([]);
    expect(findings('container-privileged', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports privilege escalation unless explicitly disabled', () => {
    const [f] = findings(
      'container-privilege-escalation',
      snapshot([withSecurity({ runAsNonRoot: true })]),
    );
    expect(f?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false } }],
          },
        },
      },
    });
    expect(findings('container-privilege-escalation', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports root: explicit uid 0 high, unspecified warning, pod-level non-root accepted', () => {
    expect(
      findings('container-runs-as-root', snapshot([withSecurity({ runAsUser: 0 })]))[0]?.severity,
    ).toBe('high');
    expect(
      findings('container-runs-as-root', snapshot([withSecurity({}, { securityContext: {} })]))[0]
        ?.severity,
    ).toBe('warning');
    expect(
      findings(
        'container-runs-as-root',
        snapshot([withSecurity({}, { securityContext: { runAsUser: 1000 } })]),
      ),
    ).toEqual([]);
    expect(findings('container-runs-as-root', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports the root group (runAsGroup: 0) even for a non-root user, with a patch', () => {
    const [group] = findings(
      'container-runs-as-root',
      snapshot([withSecurity({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 0 })]),
    );
    expect(group?.severity).toBe('warning');
    expect(group?.message).toContain('runs with the root group (runAsGroup: 0)');
    expect(group?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: { containers: [{ name: 'app', securityContext: { runAsGroup: 10001 } }] },
        },
      },
    });
    // Inherited from the pod as the kubelet does.
    expect(
      findings(
        'container-runs-as-root',
        snapshot([withSecurity({ runAsNonRoot: true }, { securityContext: { runAsGroup: 0 } })]),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        'container-runs-as-root',
        snapshot([withSecurity({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 })]),
      ),
    ).toEqual([]);
  });

  it('reports procMount Unmasked, and passes Default', () => {
    const [f] = findings(
      'container-proc-mount-unmasked',
      snapshot([withSecurity({ runAsNonRoot: true, procMount: 'Unmasked' })]),
    );
    expect(f?.severity).toBe('high');
    expect(f?.remediation.patch?.body).toEqual({
      spec: {
        template: {
          spec: { containers: [{ name: 'app', securityContext: { procMount: 'Default' } }] },
        },
      },
    });
    expect(
      findings(
        'container-proc-mount-unmasked',
        snapshot([withSecurity({ procMount: 'Default' }), deployment('ok')]),
      ),
    ).toEqual([]);
  });

  it('reports Windows HostProcess containers, set on the container or the pod', () => {
    const own = withSecurity({ windowsOptions: { hostProcess: true } });
    const [f] = findings('container-host-process', snapshot([own]));
    expect(f?.severity).toBe('critical');
    const pod = deployment('agent', {
      spec: {
        securityContext: {
          windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' },
        },
      },
    });
    const [fromPod] = findings('container-host-process', snapshot([pod]));
    expect(fromPod?.message).toContain('(set for the whole pod)');
    // A container opting out of the pod's setting is not one.
    const optOut = deployment('mixed', {
      spec: { securityContext: { windowsOptions: { hostProcess: true } } },
      containers: [container({ securityContext: { windowsOptions: { hostProcess: false } } })],
    });
    expect(findings('container-host-process', snapshot([optOut, deployment('ok')]))).toEqual([]);
  });

  it('grades capabilities: dangerous additions high, not dropping ALL low', () => {
    expect(
      findings(
        'container-capabilities',
        snapshot([withSecurity({ capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } })]),
      )[0]?.severity,
    ).toBe('high');
    expect(
      findings(
        'container-capabilities',
        snapshot([withSecurity({ capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } })]),
      )[0]?.severity,
    ).toBe('warning');
    expect(findings('container-capabilities', snapshot([withSecurity({})]))[0]?.severity).toBe(
      'low',
    );
    expect(findings('container-capabilities', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports writable root filesystems and missing or unconfined seccomp', () => {
    expect(
      findings('container-writable-root-fs', snapshot([withSecurity({ runAsNonRoot: true })])),
    ).toHaveLength(1);
    expect(findings('container-writable-root-fs', snapshot([deployment('ok')]))).toEqual([]);
    expect(
      findings('pod-seccomp-missing', snapshot([withSecurity({}, { securityContext: {} })]))[0]
        ?.severity,
    ).toBe('warning');
    expect(
      findings(
        'pod-seccomp-missing',
        snapshot([withSecurity({ seccompProfile: { type: 'Unconfined' } })]),
      )[0]?.severity,
    ).toBe('high');
    expect(findings('pod-seccomp-missing', snapshot([deployment('ok')]))).toEqual([]);
  });
});

describe('host access', () => {
  it('reports host namespaces and host ports', () => {
    const [f] = findings(
      'pod-host-namespaces',
      snapshot([deployment('web', { spec: { hostNetwork: true, hostPID: true } })]),
    );
    expect(f?.message).toContain('hostNetwork, hostPID');
    expect(
      findings(
        'container-host-port',
        snapshot([
          deployment('web', {
            containers: [container({ ports: [{ containerPort: 80, hostPort: 80 }] })],
          }),
        ]),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        'container-host-port',
        snapshot([
          deployment('ok', { containers: [container({ ports: [{ containerPort: 80 }] })] }),
        ]),
      ),
    ).toEqual([]);
  });

  it('reports writable hostPath mounts, critical for sensitive paths', () => {
    const mounting = (path: string, readOnly: boolean) =>
      deployment('agent', {
        containers: [
          { ...container(), volumeMounts: [{ name: 'host', mountPath: '/host', readOnly }] },
        ],
        spec: { volumes: [{ name: 'host', hostPath: { path } }] },
      });
    expect(
      findings('pod-hostpath-writable', snapshot([mounting('/var/log', false)]))[0]?.severity,
    ).toBe('high');
    expect(
      findings('pod-hostpath-writable', snapshot([mounting('/var/run/docker.sock', false)]))[0]
        ?.severity,
    ).toBe('critical');
    expect(findings('pod-hostpath-writable', snapshot([mounting('/var/log', true)]))).toEqual([]);
  });
});

describe('service accounts', () => {
  it('reports automounted tokens unless the pod or its ServiceAccount disables them', () => {
    const mounted = deployment('web', { spec: { automountServiceAccountToken: undefined } });
    expect(findings('pod-sa-token-automount', snapshot([mounted]))).toHaveLength(1);
    const account = obj(
      'v1',
      'ServiceAccount',
      'app',
      { automountServiceAccountToken: false },
      { namespace: 'shop' },
    );
    expect(findings('pod-sa-token-automount', snapshot([mounted, account]))).toEqual([]);
    expect(findings('pod-sa-token-automount', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports pods running as the default service account', () => {
    expect(
      findings(
        'pod-default-service-account',
        snapshot([deployment('web', { spec: { serviceAccountName: undefined } })]),
      ),
    ).toHaveLength(1);
    expect(
      findings(
        'pod-default-service-account',
        snapshot([pod('bare', { spec: { serviceAccountName: 'default' } })]),
      ),
    ).toHaveLength(1);
    expect(findings('pod-default-service-account', snapshot([deployment('ok')]))).toEqual([]);
  });
});

describe('credentials', () => {
  it('reports literal credentials in env without revealing them', () => {
    const d = deployment('web', {
      containers: [
        container({
          env: [
            { name: 'DB_PASSWORD', value: 'hunter2hunter2' },
            { name: 'AWS_KEY', value: 'AKIAIOSFODNN7EXAMPLE' },
            { name: 'PASSWORD_FILE', value: '/run/secrets/db' },
            { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
            { name: 'TOKEN_TTL', value: '3600' },
            { name: 'LOG_LEVEL', value: 'debug' },
          ],
        }),
      ],
    });
    const [f] = findings('env-credentials', snapshot([d]));
    expect(f?.message).toContain('DB_PASSWORD, AWS_KEY');
    expect(JSON.stringify(f)).not.toContain('hunter2hunter2');
    expect(JSON.stringify(f)).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(f?.evidence.map((e) => e.text)).toEqual([
      'literal value for "DB_PASSWORD"',
      'AWS access key id',
    ]);
    expect(findings('env-credentials', snapshot([deployment('ok')]))).toEqual([]);
  });

  it('reports a URL with a literal password, not one whose password Kubernetes expands', () => {
    const withUrl = (name: string, url: string) =>
      deployment(name, { containers: [container({ env: [{ name: 'CONN', value: url }] })] });
    const literal = findings(
      'env-credentials',
      snapshot([withUrl('lit', 'postgres://app:s3cretpw@db/app')]),
    );
    expect(literal[0]?.evidence.map((e) => e.text)).toEqual(['URL with a password']);
    const expanded = withUrl('ref', 'postgresql://app:$(DB_PASSWORD)@db:5432/app');
    expect(findings('env-credentials', snapshot([expanded]))).toEqual([]);
  });

  it('reports credentials in ConfigMap keys and in config files inside them', () => {
    const cm = (data: Record<string, string>) =>
      obj('v1', 'ConfigMap', 'app-config', { data }, { namespace: 'shop' });
    expect(
      findings('configmap-credentials', snapshot([cm({ api_key: 'abcd1234efgh' })])),
    ).toHaveLength(1);
    const file = cm({
      'application.properties': 'server.port=8080\nspring.datasource.password=s3cr3tvalue\n',
    });
    expect(findings('configmap-credentials', snapshot([file]))[0]?.message).toContain(
      'spring.datasource.password',
    );
    const key = cm({
      'tls.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----',
    });
    expect(findings('configmap-credentials', snapshot([key]))[0]?.message).toContain('private key');
    expect(
      findings(
        'configmap-credentials',
        snapshot([
          cm({ 'nginx.conf': 'worker_processes 4;', token_header: 'X-Token', password: '' }),
        ]),
      ),
    ).toEqual([]);
  });
});

describe('network policies', () => {
  it('reports namespaces with workloads but no NetworkPolicy, skipping system namespaces', () => {
    const objects = [
      deployment('web'),
      deployment('dns', { namespace: 'kube-system' }),
      deployment('api', { namespace: 'other' }),
    ];
    const policy = obj(
      'networking.k8s.io/v1',
      'NetworkPolicy',
      'deny',
      { spec: { podSelector: {} } },
      { namespace: 'other' },
    );
    const list = findings('namespace-no-networkpolicy', snapshot([...objects, policy]));
    expect(list.map((f) => [f.resource.kind, f.resource.name])).toEqual([['Namespace', 'shop']]);
    expect(list[0]?.remediation.create).toMatchObject({
      kind: 'NetworkPolicy',
      metadata: { namespace: 'shop' },
    });
  });
});

describe('RBAC', () => {
  const role = (
    kind: 'Role' | 'ClusterRole',
    name: string,
    rules: unknown[],
    meta: Record<string, unknown> = {},
  ) =>
    obj(
      'rbac.authorization.k8s.io/v1',
      kind,
      name,
      { rules },
      kind === 'Role' ? { namespace: 'shop', ...meta } : meta,
    );
  const binding = (
    kind: 'RoleBinding' | 'ClusterRoleBinding',
    name: string,
    roleRef: { kind: string; name: string },
    subjects: unknown[],
  ) =>
    obj(
      'rbac.authorization.k8s.io/v1',
      kind,
      name,
      { roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects },
      kind === 'RoleBinding' ? { namespace: 'shop' } : {},
    );

  it('reports wildcard roles but not built-in ones', () => {
    const wild = role('ClusterRole', 'ops', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const builtIn = role('ClusterRole', 'system:controller:foo', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ]);
    const admin = role('ClusterRole', 'cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ]);
    const narrow = role('Role', 'reader', [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ]);
    expect(
      findings('rbac-wildcard', snapshot([wild, builtIn, admin, narrow])).map(
        (f) => f.resource.name,
      ),
    ).toEqual(['ops']);
  });

  it('reports cluster-admin bound to people and service accounts, not to system subjects', () => {
    const toAlice = binding(
      'ClusterRoleBinding',
      'alice-admin',
      { kind: 'ClusterRole', name: 'cluster-admin' },
      [{ kind: 'User', name: 'alice' }],
    );
    const toMasters = binding(
      'ClusterRoleBinding',
      'masters',
      { kind: 'ClusterRole', name: 'cluster-admin' },
      [{ kind: 'Group', name: 'system:masters' }],
    );
    const toKubeSystem = binding(
      'ClusterRoleBinding',
      'ks',
      { kind: 'ClusterRole', name: 'cluster-admin' },
      [{ kind: 'ServiceAccount', name: 'x', namespace: 'kube-system' }],
    );
    const list = findings(
      'rbac-cluster-admin-binding',
      snapshot([toAlice, toMasters, toKubeSystem]),
    );
    expect(list.map((f) => f.message)).toEqual([expect.stringContaining('User alice')]);
  });

  it('reports subjects who can read Secrets, higher when cluster-wide', () => {
    const reader = role('ClusterRole', 'secret-reader', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
    ]);
    const local = binding(
      'RoleBinding',
      'ci-secrets',
      { kind: 'ClusterRole', name: 'secret-reader' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }],
    );
    const wide = binding(
      'ClusterRoleBinding',
      'ci-secrets-all',
      { kind: 'ClusterRole', name: 'secret-reader' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }],
    );
    const list = findings('rbac-secret-access', snapshot([reader, local, wide]));
    expect(list.map((f) => [f.resource.name, f.severity])).toEqual([
      ['ci-secrets-all', 'high'],
      ['ci-secrets', 'warning'],
    ]);
    const cmReader = role('Role', 'cm', [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
    ]);
    expect(
      findings(
        'rbac-secret-access',
        snapshot([
          cmReader,
          binding('RoleBinding', 'b', { kind: 'Role', name: 'cm' }, [
            { kind: 'User', name: 'bob' },
          ]),
        ]),
      ),
    ).toEqual([]);
  });

  it('reports subjects who can exec into or create pods', () => {
    const exec = role('Role', 'debugger', [
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    ]);
    const [f] = findings(
      'rbac-pod-exec',
      snapshot([
        exec,
        binding('RoleBinding', 'bob-debug', { kind: 'Role', name: 'debugger' }, [
          { kind: 'User', name: 'bob' },
        ]),
      ]),
    );
    expect(f?.message).toContain('User bob can exec into or create pods in namespace shop');
  });

  it('reports roles granting Secrets or exec that nothing binds yet, as low', () => {
    const reader = role('ClusterRole', 'secret-reader', [
      { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
    ]);
    const exec = role('Role', 'debugger', [
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    ]);
    const edit = role('ClusterRole', 'edit', [
      { apiGroups: [''], resources: ['secrets', 'pods/exec'], verbs: ['create', 'get'] },
    ]);
    const objects = [reader, exec, edit];
    expect(
      findings('rbac-secret-access', snapshot(objects)).map((f) => [f.resource.name, f.severity]),
    ).toEqual([['secret-reader', 'low']]);
    const [unbound] = findings('rbac-pod-exec', snapshot(objects));
    expect(unbound?.message).toBe(
      'Role shop/debugger lets whoever is bound to it exec into or create pods; no binding in the inspected objects uses it yet.',
    );
    // Once bound, the binding is the finding, not the role.
    const bound = binding('RoleBinding', 'bob-debug', { kind: 'Role', name: 'debugger' }, [
      { kind: 'User', name: 'bob' },
    ]);
    expect(findings('rbac-pod-exec', snapshot([exec, bound])).map((f) => f.resource.kind)).toEqual([
      'RoleBinding',
    ]);
  });

  it('treats a binding to any role granting everything as cluster-admin', () => {
    const root = role('ClusterRole', 'platform-root', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ]);
    const toCi = binding(
      'ClusterRoleBinding',
      'ci-root',
      { kind: 'ClusterRole', name: 'platform-root' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }],
    );
    const [f] = findings('rbac-cluster-admin-binding', snapshot([root, toCi]));
    expect(f?.severity).toBe('critical');
    expect(f?.message).toContain(
      'grants ClusterRole platform-root, which allows every verb on every resource like cluster-admin, in every namespace to ServiceAccount shop/ci',
    );
    // Reported once, as cluster-admin, not again as Secret access.
    expect(findings('rbac-secret-access', snapshot([root, toCi]))).toEqual([]);
    const narrow = role('ClusterRole', 'all-pods', [
      { apiGroups: [''], resources: ['pods'], verbs: ['*'] },
    ]);
    const toNarrow = binding(
      'ClusterRoleBinding',
      'ci-pods',
      { kind: 'ClusterRole', name: 'all-pods' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }],
    );
    expect(findings('rbac-cluster-admin-binding', snapshot([narrow, toNarrow]))).toEqual([]);
  });
});
