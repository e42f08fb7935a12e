/**
 * Turns a CustomResourceDefinition (YAML) into the strict JSON schemas kubeconform reads, one file per
 * served version, in kubeconform's CRD layout: `<out>/<group>/<kind>_<version>.json` (kind lower-case).
 *
 *   node scripts/deploy/crd-to-json-schema.ts <crd.yaml> <out-dir>
 *
 * Used once to vendor the schemas in deploy/helm/crd-schemas/ (the operators' CRDs are not on any
 * package registry, so `npm run deploy:check` cannot fetch them): see the README there for sources.
 * The rules are those of kubeconform's openapi2jsonschema.py with FILENAME_FORMAT and
 * DENY_ROOT_ADDITIONAL_PROPERTIES: every object that lists its properties rejects others, unless
 * the CRD keeps unknown fields; int-or-string becomes a oneOf.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = { [key: string]: unknown };

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Makes one OpenAPI v3 schema node a strict JSON schema node (recursively). */
export function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!isObject(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = strictify(value);
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    delete out.format;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  const keepsUnknown = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(out.properties) && !keepsUnknown && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

interface CrdVersion {
  name: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: Schema };
}

function main(): void {
  const [crdPath, outDir] = process.argv.slice(2);
  if (!crdPath || !outDir) {
    process.stderr.write('usage: node scripts/deploy/crd-to-json-schema.ts <crd.yaml> <out-dir>\n');
    process.exit(2);
  }
  for (const doc of parseAllDocuments(readFileSync(crdPath, 'utf8'))) {
    const crd = doc.toJSON() as {
      kind?: string;
      spec?: { group: string; names: { kind: string }; versions: CrdVersion[] };
    } | null;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    const { group, names, versions } = crd.spec;
    for (const version of versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (!version.served || !schema) continue;
      const strict = strictify(schema) as Schema;
      const properties = (strict.properties ?? {}) as Schema;
      // The kind and apiVersion of this file only, as kubeconform's generator does.
      properties.apiVersion = { type: 'string', enum: [`${group}/${version.name}`] };
      properties.kind = { type: 'string', enum: [names.kind] };
      strict.properties = properties;
      const file = join(outDir, group, `${names.kind.toLowerCase()}_${version.name}.json`);
      mkdirSync(join(outDir, group), { recursive: true });
      writeFileSync(file, `${JSON.stringify(strict, null, 2)}\n`);
      process.stdout.write(`${file}\n`);
    }
  }
}

main();
