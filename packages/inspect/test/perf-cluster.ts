import type { KubeObject, LogSample, MetricSeries, Snapshot } from '../src/index.js';
import {
  container,
  deployment,
  NOW,
  obj,
  pod,
  runningStatus,
  series,
  service,
} from './fixtures.js';

/** 10,000 pods in 500 Deployments across 20 namespaces, plus Services, ReplicaSets and bare pods. */
export function bigCluster(namespaces = 20): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < namespaces; n++) {
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

/**
 * The same cluster with 12 hours of usage history per workload (5-minute steps),
 * events for the crashing pods, and error logs from one pod per workload.
 */
export function bigSnapshot(namespaces = 20): Snapshot {
  const objects = bigCluster(namespaces);
  const metrics: MetricSeries[] = [];
  const logs: LogSample[] = [];
  const events: KubeObject[] = [];
  const wave = (base: number) =>
    Array.from({ length: 144 }, (_, i) => base * (1 + 0.2 * Math.sin(i / 12)));
  for (const object of objects) {
    if (object.kind === 'Deployment') {
      metrics.push(
        series('cpu.usage', object, wave(0.02)),
        series('memory.workingSet', object, wave(30 * 2 ** 20)),
      );
      metrics.push(series('cpu.throttledRatio', object, wave(0.1)));
    }
    if (object.kind === 'Pod' && object.metadata.name?.endsWith('-0')) {
      metrics.push(
        series(
          'container.restarts',
          object,
          Array.from({ length: 144 }, (_, i) => Math.floor(i / 50)),
        ),
      );
      logs.push({
        namespace: object.metadata.namespace ?? '',
        pod: object.metadata.name,
        container: 'app',
        lines: Array.from(
          { length: 20 },
          (_, i) =>
            `level=error msg="request ${i} to upstream 10.0.${i}.1:8080 failed after ${i * 3}ms"`,
        ),
      });
      events.push(
        obj(
          'v1',
          'Event',
          `${object.metadata.name}.1`,
          {
            involvedObject: {
              kind: 'Pod',
              name: object.metadata.name,
              namespace: object.metadata.namespace,
              uid: object.metadata.uid,
            },
            reason: 'BackOff',
            message: 'Back-off restarting failed container',
          },
          { namespace: object.metadata.namespace },
        ),
      );
    }
  }
  return { objects, events, metrics, logs, now: NOW };
}
