import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DASHBOARDS_DIR, dashboards, render } from '../../../deploy/grafana/dashboards.ts';

interface PanelJson {
  type: string;
  title: string;
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
}

describe('Grafana dashboards as code', () => {
  it('the committed JSON is what deploy/grafana/*.ts builds (npm run observability:dashboards)', () => {
    const built = dashboards();
    const dir = fileURLToPath(DASHBOARDS_DIR);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual([...built.keys()].sort());
    for (const [file, dashboard] of built)
      expect(readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8')).toBe(render(dashboard));
  });

  it('every panel but a row queries the chosen Prometheus, each target with its own refId', () => {
    const uids = new Set<string>();
    for (const dashboard of dashboards().values()) {
      expect(uids.has(dashboard.uid ?? '')).toBe(false);
      uids.add(dashboard.uid ?? '');
      for (const panel of (dashboard.panels ?? []) as PanelJson[]) {
        if (panel.type === 'row') continue;
        expect(panel.targets?.length).toBeGreaterThan(0);
        const refIds = panel.targets?.map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds?.length);
        for (const target of panel.targets ?? []) {
          expect(target.expr).toBeTruthy();
          expect(target.datasource?.uid).toBe('${datasource}');
        }
      }
    }
  });

  it('commit latency panels query the commit histogram, not poll latency', () => {
    const engine = dashboards().get('streams-engine.json');
    const commitPanels = ((engine?.panels ?? []) as PanelJson[]).filter((p) =>
      /commit latency/i.test(p.title),
    );
    expect(commitPanels).toHaveLength(1);
    for (const target of commitPanels[0]?.targets ?? []) {
      expect(target.expr).toContain('kafka_streams_commit_latency_seconds_bucket');
      expect(target.expr).not.toMatch(/poll/);
    }
  });
});
