/**
 * The few panel shapes the project's dashboards use, on @grafana/grafana-foundation-sdk, so each
 * dashboard file reads as a list of titles and PromQL. Every panel queries the dashboard's
 * `datasource` variable (pick the Prometheus at import).
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** One PromQL query and its legend (`{{label}}` placeholders). */
export interface Query {
  expr: string;
  legend: string;
}

export interface PanelOptions {
  title: string;
  /** Why the panel is there and how to read it (shown as the panel's info tooltip). */
  description: string;
  unit: string;
  queries: readonly Query[];
  /** Width in grid columns of 24; height is 8. */
  width?: number;
  /** A red line (time series) or red colour (stat) from this value: an SLO or an invariant. */
  redFrom?: number;
}

const thresholds = (redFrom: number | undefined) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([
      { value: null, color: 'green' },
      ...(redFrom === undefined ? [] : [{ value: redFrom, color: 'red' }]),
    ]);

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) =>
    new prometheus.DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend)
      .datasource(DATASOURCE),
  );
}

export function timeSeries(options: PanelOptions): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .min(0)
    .height(8)
    .span(options.width ?? 12)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .thresholds(thresholds(options.redFrom));
  if (options.redFrom !== undefined)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  for (const target of targets(options.queries)) panel.withTarget(target);
  return panel;
}

export function singleStat(options: PanelOptions): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .unit(options.unit)
    .height(8)
    .span(options.width ?? 6)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.Area)
    .thresholds(thresholds(options.redFrom));
  for (const target of targets(options.queries)) panel.withTarget(target);
  return panel;
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}

/** The Prometheus to query, chosen at import or from the dashboard's top bar. */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

/**
 * A multi-value variable of a label's values, "All" meaning any (`.*`), which is also what the
 * observability check substitutes when it runs the panels' queries.
 */
export function labelVariable(name: string, label: string, metric: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(`label_values(${metric}, ${name})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** A new dashboard with the project's defaults: last 30 minutes, 10 s refresh, UTC. */
export function newDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['kafka-ecommerce-pipeline'])
    .timezone('utc')
    .time({ from: 'now-30m', to: 'now' })
    .refresh('10s')
    .editable();
}
