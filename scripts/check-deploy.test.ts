// deploy/ as rendered: every overlay through `kubectl kustomize`, every object against the Kubernetes API
// schemas and our rules (scripts/check-deploy.mjs); then one broken object per rule, to show that each
// rule catches what it names.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  checkApplicationSet,
  checkEnvironment,
  checkRegistry,
  ENVIRONMENTS,
  RULES,
  readApplicationSet,
  readArgoCd,
  renderOverlay,
  renderRegistry,
  // @ts-expect-error: a plain .mjs script without type declarations
} from "./check-deploy.mjs";

type K8sObject = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
type Problem = { rule: string; object: string; message: string };

// biome-ignore lint/suspicious/noExplicitAny: test fixtures reach into arbitrary manifest fields
type Any = any;

const renders = new Map<string, K8sObject[]>();
let registry: K8sObject[];
beforeAll(() => {
  for (const env of ENVIRONMENTS as string[]) renders.set(env, renderOverlay(env));
  registry = renderRegistry();
});

const dev = (): Any[] => structuredClone(renders.get("dev") as K8sObject[]);
const find = (objects: Any[], kind: string) => objects.find((o) => o.kind === kind);
const runtimeContainer = (objects: Any[]) => find(objects, "Deployment").spec.template.spec.containers[0];
const rulesOf = (problems: Problem[]) => [...new Set(problems.map((p) => p.rule))].sort();

describe("deploy/ overlays", () => {
  it.each(ENVIRONMENTS as string[])("renders %s into valid objects that follow every rule", (env) => {
    const objects = renders.get(env) as K8sObject[];
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "ExternalSecret",
      "HorizontalPodAutoscaler",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
    ]);
    expect(checkEnvironment(objects, env)).toEqual([]);
  });

  it("points each environment's runtime at its own catalog in S3 and its own secrets", () => {
    for (const env of ENVIRONMENTS as string[]) {
      const objects = renders.get(env) as Any[];
      const settings = parse(find(objects, "ConfigMap").data["settings.yaml"]);
      expect(settings.runtime.catalog.source).toBe(`s3://extensions/catalogs/${env}.json`);
      expect(settings.catalog).toBeUndefined();
      const keys = find(objects, "ExternalSecret").spec.data.map((d: Any) => d.remoteRef.key);
      expect(new Set(keys)).toEqual(new Set([`ameide-ext/${env}/wasm-extension-runtime`]));
    }
  });

  it("generates one ArgoCD Application per environment", () => {
    expect(checkApplicationSet(readApplicationSet())).toEqual([]);
  });

  it("renders the registry (one, in ameide-platform) and its Application, following the same rules", () => {
    expect(registry.map((o) => o.kind).sort()).toEqual([
      "Deployment",
      "ExternalSecret",
      "Service",
      "ServiceAccount",
    ]);
    expect(checkRegistry(registry, readArgoCd("registry-application.yaml"))).toEqual([]);
  });
});

/** One broken render per rule: the rule it must trip, and how to break the dev render. */
const BROKEN: Array<[rule: string, what: string, breakIt: (o: Any[]) => Any[]]> = [
  [
    "schema",
    "a container port that is not a number",
    (o) => {
      runtimeContainer(o).ports[0].containerPort = "eighty";
      return o;
    },
  ],
  [
    "schema",
    "a kind nobody knows",
    (o) => [...o, { apiVersion: "v1", kind: "Bogus", metadata: { name: "x", namespace: "ameide-dev" } }],
  ],
  [
    "namespace",
    "an object in another namespace",
    (o) => {
      find(o, "Service").metadata.namespace = "default";
      return o;
    },
  ],
  [
    "run_as_non_root",
    "runAsNonRoot removed",
    (o) => {
      delete find(o, "Deployment").spec.template.spec.securityContext.runAsNonRoot;
      delete runtimeContainer(o).securityContext.runAsNonRoot;
      return o;
    },
  ],
  [
    "run_as_non_root",
    "runAsUser 0",
    (o) => {
      runtimeContainer(o).securityContext.runAsUser = 0;
      return o;
    },
  ],
  [
    "read_only_root_filesystem",
    "a writable root filesystem",
    (o) => {
      runtimeContainer(o).securityContext.readOnlyRootFilesystem = false;
      return o;
    },
  ],
  [
    "no_privilege_escalation",
    "privilege escalation allowed",
    (o) => {
      runtimeContainer(o).securityContext.allowPrivilegeEscalation = true;
      return o;
    },
  ],
  [
    "limits_set",
    "no memory limit",
    (o) => {
      delete runtimeContainer(o).resources.limits.memory;
      return o;
    },
  ],
  [
    "probes_set",
    "no readiness probe",
    (o) => {
      delete runtimeContainer(o).readinessProbe;
      return o;
    },
  ],
  [
    "runtime_probes",
    "liveness on /readyz",
    (o) => {
      runtimeContainer(o).livenessProbe.httpGet.path = "/readyz";
      return o;
    },
  ],
  [
    "image_pinned",
    "the latest tag",
    (o) => {
      runtimeContainer(o).image = "registry.ameide.io/ameide-ext/wasm-extension-runtime:latest";
      return o;
    },
  ],
  [
    "image_pinned",
    "no tag at all",
    (o) => {
      runtimeContainer(o).image = "registry.ameide.io/ameide-ext/wasm-extension-runtime";
      return o;
    },
  ],
  [
    "secret_refs",
    "a secret key no ExternalSecret makes",
    (o) => {
      runtimeContainer(o).env.find((e: Any) => e.valueFrom?.secretKeyRef).valueFrom.secretKeyRef.key = "nope";
      return o;
    },
  ],
  [
    "config_refs",
    "a ConfigMap that is not rendered",
    (o) => {
      find(o, "Deployment").spec.template.spec.volumes.find((v: Any) => v.configMap).configMap.name = "gone";
      return o;
    },
  ],
  [
    "settings_valid",
    "settings the runtime refuses (a module ref without its checksum)",
    (o) => {
      const map = find(o, "ConfigMap");
      map.data["settings.yaml"] = map.data["settings.yaml"].replace(
        "extensions: []",
        'extensions: [{ tenant_id: acme, extension_id: x, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "s3://extensions/acme/x/1.wasm" }]',
      );
      return o;
    },
  ],
  [
    "settings_valid",
    "another environment's catalog",
    (o) => {
      const map = find(o, "ConfigMap");
      map.data["settings.yaml"] = map.data["settings.yaml"].replace(
        "catalogs/dev.json",
        "catalogs/prod.json",
      );
      return o;
    },
  ],
  [
    "service_h2c",
    "a Service without the h2c appProtocol",
    (o) => {
      delete find(o, "Service").spec.ports[0].appProtocol;
      return o;
    },
  ],
  [
    "hpa_cpu",
    "replicas fixed in the Deployment",
    (o) => {
      find(o, "Deployment").spec.replicas = 3;
      return o;
    },
  ],
  ["pdb_selects", "no PodDisruptionBudget", (o) => o.filter((x) => x.kind !== "PodDisruptionBudget")],
  [
    "network_policy_closed",
    "an ingress rule open to everyone",
    (o) => {
      find(o, "NetworkPolicy").spec.ingress.push({ ports: [{ port: 8080 }] });
      return o;
    },
  ],
];

describe("scripts/check-deploy.mjs rules", () => {
  it.each(BROKEN)("%s: catches %s", (rule, _what, breakIt) => {
    const problems: Problem[] = checkEnvironment(breakIt(dev()), "dev");
    expect(rulesOf(problems)).toContain(rule);
  });

  it("applicationset_envs: catches an ApplicationSet without prod, or pointing at the wrong overlay", () => {
    const without = readApplicationSet();
    without[0].spec.generators[0].list.elements.pop();
    expect(rulesOf(checkApplicationSet(without))).toEqual(["applicationset_envs"]);
    const wrongPath = readApplicationSet();
    wrongPath[0].spec.template.spec.source.path = "deploy/base";
    expect(rulesOf(checkApplicationSet(wrongPath))).toEqual(["applicationset_envs"]);
    const closedProject = readApplicationSet();
    closedProject[1].spec.destinations = closedProject[1].spec.destinations.filter(
      (d: Any) => d.namespace !== "ameide-prod",
    );
    expect(rulesOf(checkApplicationSet(closedProject))).toEqual(["applicationset_envs"]);
  });

  it("checks the registry with the same rules: a key its ExternalSecret's template does not make, a wrong Application", () => {
    const broken: Any[] = structuredClone(registry);
    delete find(broken, "ExternalSecret").spec.target.template.data["jwt-secret"];
    runtimeContainer(broken).securityContext.readOnlyRootFilesystem = false;
    expect(rulesOf(checkRegistry(broken, readArgoCd("registry-application.yaml")))).toEqual([
      "read_only_root_filesystem",
      "secret_refs",
    ]);
    const app = readArgoCd("registry-application.yaml");
    app[0].spec.destination.namespace = "ameide-dev";
    expect(rulesOf(checkRegistry(registry, app))).toEqual(["applicationset_envs"]);
  });

  it("has a broken object for every rule", () => {
    const tested = new Set([...BROKEN.map(([rule]) => rule), "applicationset_envs"]);
    expect([...tested].sort()).toEqual(Object.keys(RULES).sort());
  });
});

describe("docs/deploy.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "..", "docs", "deploy.md"), "utf8");

  it("names every rule the check applies", () => {
    expect(Object.keys(RULES).filter((rule) => !doc.includes(`| \`${rule}\` |`))).toEqual([]);
  });

  it("explains every key of the overlays' settings files", () => {
    const missing: string[] = [];
    for (const env of ENVIRONMENTS as string[]) {
      const settings = parse(find(renders.get(env) as Any[], "ConfigMap").data["settings.yaml"]);
      for (const key of Object.keys(settings)) if (!doc.includes(`\`${key}\``)) missing.push(key);
      for (const key of Object.keys(settings.runtime))
        if (!doc.includes(`\`runtime.${key}`)) missing.push(`runtime.${key}`);
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it("lists every secret key and where in the store it comes from", () => {
    const missing: string[] = [];
    for (const objects of [renders.get("dev") as Any[], registry as Any[]]) {
      const secret = find(objects, "ExternalSecret");
      const keys = secret.spec.target.template?.data
        ? Object.keys(secret.spec.target.template.data)
        : secret.spec.data.map((d: Any) => d.secretKey);
      const properties = secret.spec.data.map((d: Any) => d.remoteRef.property);
      for (const name of [secret.spec.target.name, ...keys, ...properties])
        if (!doc.includes(`\`${name}\``)) missing.push(name);
    }
    expect(missing).toEqual([]);
  });
});
