// Loaded only when a chart is shown; modular imports keep it to what the console draws.
import { PieChart, BarChart, LineChart } from 'echarts/charts';
import {
  LegendComponent,
  TooltipComponent,
  GridComponent,
  MarkLineComponent,
} from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([
  PieChart,
  BarChart,
  LineChart,
  LegendComponent,
  TooltipComponent,
  GridComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export { init };
