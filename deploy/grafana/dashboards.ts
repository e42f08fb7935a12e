/** The project's Grafana dashboards, by the file name they are committed under (deploy/grafana/dashboards/). */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { engineDashboard } from './engine.ts';
import { sagaOverview } from './saga-overview.ts';

export const DASHBOARDS_DIR = new URL('./dashboards/', import.meta.url);

export function dashboards(): ReadonlyMap<string, Dashboard> {
  return new Map([
    ['saga-overview.json', sagaOverview()],
    ['streams-engine.json', engineDashboard()],
  ]);
}

/** A dashboard as committed: 2-space JSON with a final newline (what prettier leaves alone). */
export function render(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
