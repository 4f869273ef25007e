import type { KubeObject } from '../src/index.js';
import { container, deployment, obj, pod, runningStatus, service } from './fixtures.js';

/** 10,000 pods in 500 Deployments across 20 namespaces, plus Services, ReplicaSets and bare pods. */
export function bigCluster(): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < 20; n++) {
    const namespace = `team-${n}`;
    for (let d = 0; d < 25; d++) {
      const name = `svc-${d}`;
      const dep = deployment(name, {
        namespace,
        replicas: 19,
        status: { availableReplicas: d % 7 === 0 ? 18 : 19 },
        containers: [container({ probes: d % 3 !== 0 })],
      });
      const rs = obj(
        'apps/v1',
        'ReplicaSet',
        `${name}-7d9f`,
        { spec: { replicas: 19 }, status: { readyReplicas: 19 } },
        {
          namespace,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name,
              uid: dep.metadata.uid,
              controller: true,
            },
          ],
        },
      );
      objects.push(dep, rs, service(name, { app: d % 5 === 0 ? `${name}-typo` : name }, namespace));
      for (let p = 0; p < 19; p++) {
        const status =
          p === 0 && d % 4 === 0
            ? {
                phase: 'Running',
                containerStatuses: [
                  {
                    name: 'app',
                    restartCount: 5,
                    state: { waiting: { reason: 'CrashLoopBackOff' } },
                  },
                ],
              }
            : runningStatus();
        objects.push(pod(`${name}-${p}`, { namespace, owner: rs, labels: { app: name }, status }));
      }
    }
    for (let p = 0; p < 25; p++)
      objects.push(pod(`bare-${p}`, { namespace, status: runningStatus() }));
  }
  return objects;
}
