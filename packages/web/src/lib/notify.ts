import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { describeError } from './errors';

/** Inside a component: show an error as a message a person can act on. */
export function useNotify() {
  const { t } = useI18n();
  return {
    error: (error: unknown) =>
      ElMessage({
        type: 'error',
        message: describeError(error, t),
        duration: 8000,
        showClose: true,
      }),
    success: (message: string) => ElMessage({ type: 'success', message }),
    describe: (error: unknown) => describeError(error, t),
  };
}
