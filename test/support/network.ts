/**
 * The one default tests relax: their API servers, webhook receivers and SMTP
 * fakes listen on loopback, which KubeOps refuses to connect to (cluster
 * registration, notifications) unless the address is allow-listed in
 * network.allowedTargets. Every test server and context takes it from here.
 */
export const TEST_ALLOWED_TARGETS = ['127.0.0.0/8', '::1'];

/** The same, as the environment of a `kubeops` process. */
export const TEST_NETWORK_ENV = {
  KUBEOPS_NETWORK_ALLOWED_TARGETS: TEST_ALLOWED_TARGETS.join(','),
};
