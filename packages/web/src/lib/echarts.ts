// Loaded only when a chart is shown; modular imports keep it to what the console draws.
import { PieChart, BarChart } from 'echarts/charts';
import { LegendComponent, TooltipComponent, GridComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([PieChart, BarChart, LegendComponent, TooltipComponent, GridComponent, CanvasRenderer]);

export { init };
