import { onBeforeUnmount, onMounted, watch, type Ref, type WatchSource } from 'vue';
// Types only: the library itself is imported when a chart mounts.
import type { init as initChart } from './echarts';

type Chart = ReturnType<typeof initChart>;

/**
 * An ECharts instance on `host`: ECharts is loaded only once a chart mounts,
 * the option is redrawn when a source changes, and the chart follows the
 * size of its box.
 */
export function useEChart(
  host: Ref<HTMLElement | null>,
  option: () => Record<string, unknown>,
  sources: WatchSource[],
): void {
  let chart: Chart | undefined;
  let resize: ResizeObserver | undefined;
  const draw = () => chart?.setOption(option(), true);

  onMounted(async () => {
    const { init } = await import('./echarts');
    if (!host.value) return;
    chart = init(host.value, undefined, { renderer: 'canvas' });
    draw();
    resize = new ResizeObserver(() => chart?.resize());
    resize.observe(host.value);
  });
  watch(sources, draw, { deep: true });
  onBeforeUnmount(() => {
    resize?.disconnect();
    chart?.dispose();
  });
}
