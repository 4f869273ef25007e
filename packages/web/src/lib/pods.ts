import type { KubeObject } from '../api/kube-types';

type Status = {
  reason?: string;
  phase?: string;
  containerStatuses?: Array<{ state?: Record<string, { reason?: string }> }>;
};

/** What kubectl shows as a pod's STATUS: the reason a container waits or ended, or the phase. */
export function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const status = (pod.status ?? {}) as Status;
  for (const c of status.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason) return reason;
  }
  return status.reason ?? status.phase ?? 'Unknown';
}
