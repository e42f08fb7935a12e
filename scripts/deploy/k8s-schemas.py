"""Extracts one Kubernetes version's strict JSON schemas from the kubernetes-validate wheel (PyPI)
into kubeconform's layout, with every reference made local.

    python3 scripts/deploy/k8s-schemas.py <wheel> <kubernetes version, e.g. 1.37.0> <out dir>

The wheel bundles the schemas in kubeconform's file naming (<kind>-<group>-<version>.json), but each
file carries an absolute `$id` (https://kubernetes.io/api/...) and references
`/api/_definitions.json`, which a validator resolves against that `$id`: kubeconform would then try
to download the definitions. Dropping the `$id`s and pointing the references at the
`_definitions.json` beside each file keeps validation offline. Writes
<out dir>/v<version>-standalone-strict/, which kubeconform finds with
`-schema-location '<out dir>/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json'`.
"""

import json
import os
import sys
import zipfile


def localise(node):
    """Returns the schema node without `$id` and with definitions references made relative."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$id":
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("/api/_definitions.json"):
                value = value[len("/api/"):]
            out[key] = localise(value)
        return out
    if isinstance(node, list):
        return [localise(item) for item in node]
    return node


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel, version, out_dir = sys.argv[1], sys.argv[2].lstrip("v"), sys.argv[3]
    source = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
    target = os.path.join(out_dir, f"v{version}-standalone-strict")
    os.makedirs(target, exist_ok=True)
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.startswith(source) or not name.endswith(".json"):
                continue
            schema = localise(json.loads(archive.read(name)))
            with open(os.path.join(target, name[len(source):]), "w", encoding="utf-8") as out:
                json.dump(schema, out)
            count += 1
    if count == 0:
        sys.exit(f"no schemas for Kubernetes v{version} in {wheel}")
    remaining = sum(
        1
        for file in os.listdir(target)
        if "kubernetes.io/api" in open(os.path.join(target, file), encoding="utf-8").read()
    )
    if remaining:
        sys.exit(f"{remaining} schema files still reference kubernetes.io after the rewrite")
    print(f"{count} schemas written to {target}")


if __name__ == "__main__":
    main()
