import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart, ScatterChart, type LineSeriesOption, type ScatterSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  MarkLineComponent,
  TooltipComponent,
  type GridComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the charts draw, so the bundle carries a line chart, not all of ECharts.
echarts.use([LineChart, ScatterChart, GridComponent, TooltipComponent, MarkLineComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<
  LineSeriesOption | ScatterSeriesOption | GridComponentOption | TooltipComponentOption | MarkLineComponentOption
>;

export interface ChartClick {
  seriesId?: string;
  data: unknown;
}

/**
 * A canvas chart that follows its box's size. Tooltips render on the canvas (richText), so no
 * HTML is built from data and the CSP needs no inline styles.
 */
export function EChart(props: { option: ChartOption; onClick?: (e: ChartClick) => void; testId?: string; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const onClick = useRef(props.onClick);
  useEffect(() => {
    onClick.current = props.onClick;
  }, [props.onClick]);

  useEffect(() => {
    const el = box.current!;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (e) => onClick.current?.({ ...(e.seriesId ? { seriesId: e.seriesId } : {}), data: e.data }));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(props.option, { notMerge: true });
  }, [props.option]);

  return <div ref={box} className="fd-chart" role="img" aria-label={props.label} data-testid={props.testId} />;
}
