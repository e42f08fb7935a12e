/**
 * Prometheus' HTTP API as the observability check uses it: instant queries, the loaded rules, the
 * scrape targets; and the PromQL of the committed Grafana dashboards, with their variables filled.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

async function api<T>(prometheusUrl: string, path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as ApiAnswer<T>;
  if (body.status !== 'success' || body.data === undefined)
    throw new Error(
      `${path.split('?')[0]}: ${body.errorType ?? response.status}: ${body.error ?? 'no data'}`,
    );
  return body.data;
}

/** An instant query's series count; throws with Prometheus' error when the query fails. */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<number> {
  const data = await api<{ resultType: string; result: unknown[] | [number, string] }>(
    prometheusUrl,
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  // A scalar answers [time, value]: one value; a vector or matrix, one entry per series.
  return data.resultType === 'scalar' || data.resultType === 'string' ? 1 : data.result.length;
}

/** The value of a query answering one series (e.g. a sum), or undefined when it answers none. */
export async function scalarOf(prometheusUrl: string, expr: string): Promise<number | undefined> {
  const data = await api<{ result: { value: [number, string] }[] }>(
    prometheusUrl,
    `/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  const value = data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

export interface LoadedRule {
  name: string;
  query: string;
  health: string;
  lastError?: string;
  file: string;
}

/** Every alerting rule Prometheus has loaded, with the file it came from and its last evaluation's health. */
export async function loadedAlertRules(prometheusUrl: string): Promise<LoadedRule[]> {
  const data = await api<{
    groups: {
      file: string;
      rules: { type: string; name: string; query: string; health: string; lastError?: string }[];
    }[];
  }>(prometheusUrl, '/api/v1/rules?type=alert');
  return data.groups.flatMap((g) =>
    g.rules.map((r) => ({
      name: r.name,
      query: r.query,
      health: r.health,
      lastError: r.lastError,
      file: g.file,
    })),
  );
}

/** The scrape URLs of Prometheus' active targets and their health. */
export async function scrapeTargets(prometheusUrl: string): Promise<{ scrapeUrl: string; health: string }[]> {
  const data = await api<{ activeTargets: { scrapeUrl: string; health: string }[] }>(
    prometheusUrl,
    '/api/v1/targets?state=active',
  );
  return data.activeTargets;
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  /** As in the dashboard. */
  expr: string;
  /** As sent: Grafana's variables replaced (see fillVariables). */
  query: string;
}

interface DashboardJson {
  title: string;
  panels?: { type: string; title: string; targets?: { expr?: string; refId?: string }[] }[];
  templating?: { list?: { name: string; type: string; allValue?: string }[] };
}

/**
 * What Grafana would send with "All" selected: a query variable becomes its allValue (`.*`),
 * `$__rate_interval` a window holding several 2 s scrapes, `$__range` the last 5 minutes.
 */
export function fillVariables(expr: string, dashboard: DashboardJson): string {
  let query = expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '5m');
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const value = variable.allValue ?? '.*';
    query = query.replaceAll(`\${${variable.name}}`, value).replaceAll(`$${variable.name}`, value);
  }
  if (/\$\w/.test(query)) throw new Error(`a variable is left unfilled in ${query}`);
  return query;
}

/** Every panel query of every committed dashboard (deploy/grafana/dashboards/*.json). */
export function dashboardQueries(dir: string): PanelQuery[] {
  const queries: PanelQuery[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as DashboardJson;
    for (const panel of dashboard.panels ?? [])
      for (const target of panel.targets ?? [])
        if (target.expr)
          queries.push({
            dashboard: dashboard.title,
            panel: panel.title,
            refId: target.refId ?? '?',
            expr: target.expr,
            query: fillVariables(target.expr, dashboard),
          });
  }
  return queries;
}
