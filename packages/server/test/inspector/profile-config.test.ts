import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/core/config.js';

describe('inspector.profile', () => {
  it('defaults to the default profile and reads KUBEOPS_INSPECTOR_PROFILE', () => {
    expect(loadConfig({ env: {} }).inspector.profile).toBe('default');
    expect(loadConfig({ env: { KUBEOPS_INSPECTOR_PROFILE: 'strict' } }).inspector.profile).toBe(
      'strict',
    );
  });

  it('refuses a profile that does not exist, naming the setting', () => {
    let error: unknown;
    try {
      loadConfig({ env: { KUBEOPS_INSPECTOR_PROFILE: 'lax' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(JSON.stringify((error as ConfigError).problems)).toContain('inspector.profile');
  });
});
