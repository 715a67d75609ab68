#!/usr/bin/env node
// Checks what deploy/ renders: each overlay through `kubectl kustomize`, every object against the
// Kubernetes API schemas (kubernetes-models, with the Argo CD and External Secrets models), and our
// own rules, each with an id (RULES). The ApplicationSet is checked too. scripts/check-deploy.test.ts
// runs it in `npm test`; by hand:
//
//   node scripts/check-deploy.mjs            # every overlay; exit 1 and one line per problem
//   KUBECTL=/path/to/kubectl node scripts/check-deploy.mjs
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCatalog, resolveRuntimeSettings } from "@ameide-ext/runtime";
import { Application, ApplicationSet, AppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The environments, in promotion order: one overlay and one generated Application each. */
export const ENVIRONMENTS = ["dev", "staging", "prod"];
/** The runtime's Deployment, Service and settings, by name. */
const RUNTIME = "wasm-extension-runtime";
const SETTINGS_KEY = "settings.yaml";
/** Where the registry runs: one for every environment. */
export const REGISTRY_NAMESPACE = "ameide-platform";

/** The rules, by id: what each asks of the rendered objects. */
export const RULES = {
  schema: "every object is valid against its Kubernetes API schema (kind and apiVersion known)",
  namespace: "every object lies in ameide-<env> (the registry's in ameide-platform)",
  run_as_non_root: "pods run as non-root: runAsNonRoot true and no runAsUser 0",
  read_only_root_filesystem: "every container has readOnlyRootFilesystem: true",
  no_privilege_escalation: "every container has allowPrivilegeEscalation: false and drops ALL capabilities",
  limits_set: "every container requests and limits cpu and memory",
  probes_set: "every container has a liveness and a readiness probe",
  runtime_probes: "the runtime: liveness GET /healthz, readiness GET /readyz, startup gRPC health",
  image_pinned: "every image has a pinned tag (not latest) or a digest",
  secret_refs: "every secret a pod reads is made by an ExternalSecret of the render, with that key",
  config_refs: "every ConfigMap a pod mounts is in the render",
  settings_valid: "the runtime's settings parse as the runtime parses them, for this env, catalog in S3",
  service_h2c: "the runtime's Service is a ClusterIP with appProtocol kubernetes.io/h2c",
  hpa_cpu: "an HPA scales the runtime on CPU, and the Deployment sets no replicas",
  pdb_selects: "a PodDisruptionBudget selects the runtime's pods",
  network_policy_closed: "a NetworkPolicy selects the runtime; every ingress peer names a namespace",
  applicationset_envs:
    "the ApplicationSet makes one Application per env into ameide-<env> from its overlay (and the registry's Application syncs deploy/registry)",
};

const MODELS = new Map(
  [
    ["v1", [ConfigMap, Secret, Service, ServiceAccount]],
    ["apps/v1", [Deployment]],
    ["autoscaling/v2", [HorizontalPodAutoscaler]],
    ["policy/v1", [PodDisruptionBudget]],
    ["networking.k8s.io/v1", [NetworkPolicy]],
    ["external-secrets.io/v1", [ExternalSecret]],
    ["argoproj.io/v1alpha1", [Application, ApplicationSet, AppProject]],
  ].flatMap(([apiVersion, models]) => models.map((m) => [`${apiVersion}/${m.kind}`, m])),
);

/**
 * Renders `deploy/overlays/<env>` with `kubectl kustomize` and returns its objects. `kubectl` is the
 * binary (default `$KUBECTL`, else `kubectl` on the PATH).
 */
export function renderOverlay(env, kubectl) {
  return render(join("deploy", "overlays", env), kubectl);
}

/** Renders `deploy/registry`, the registry's kustomization, as {@link renderOverlay} does. */
export function renderRegistry(kubectl) {
  return render(join("deploy", "registry"), kubectl);
}

function render(folder, kubectl = process.env.KUBECTL || "kubectl") {
  const dir = join(root, folder);
  const r = spawnSync(kubectl, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${kubectl} cannot run (${r.error.message}): npm run setup installs kubectl`);
  if (r.status !== 0) throw new Error(`${kubectl} kustomize ${dir} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .filter((o) => o !== null);
}

/** Reads the ApplicationSet and the AppProject (`deploy/argocd/applicationset.yaml`, `project.yaml`). */
export function readApplicationSet() {
  return [...readArgoCd("applicationset.yaml"), ...readArgoCd("project.yaml")];
}

/** Reads the objects of a file of `deploy/argocd/`. */
export function readArgoCd(file) {
  return parseAllDocuments(readFileSync(join(root, "deploy", "argocd", file), "utf8")).map((d) => d.toJS());
}

const label = (o) => `${o.kind}/${o.metadata?.name}`;

/** The problems of one rendered environment: `{ rule, object, message }`, empty when all is well. */
export function checkEnvironment(objects, env) {
  const problems = checkObjects(objects, `ameide-${env}`);
  checkRuntime(objects, env, (rule, object, message) => problems.push({ rule, object, message }));
  return problems;
}

/**
 * The problems of the rendered registry (`deploy/registry`, in ameide-platform) and of its ArgoCD
 * Application (`deploy/argocd/registry-application.yaml`).
 */
export function checkRegistry(objects, application) {
  const problems = checkObjects(objects, REGISTRY_NAMESPACE);
  for (const o of application) problems.push(...schemaProblems(o));
  const app = application.find((o) => o.kind === "Application");
  if (
    app?.spec?.source?.path !== "deploy/registry" ||
    app?.spec?.destination?.namespace !== REGISTRY_NAMESPACE
  )
    problems.push({
      rule: "applicationset_envs",
      object: app ? label(app) : "Application",
      message: `the registry's Application must sync deploy/registry into ${REGISTRY_NAMESPACE}`,
    });
  return problems;
}

/** Schema, namespace and the pod rules, for any render. */
function checkObjects(objects, namespace) {
  const problems = [];
  const add = (rule, object, message) => problems.push({ rule, object, message });
  for (const o of objects) problems.push(...schemaProblems(o));
  for (const o of objects)
    if (o.metadata?.namespace !== namespace)
      add("namespace", label(o), `is in ${JSON.stringify(o.metadata?.namespace)}, not ${namespace}`);
  for (const workload of objects.filter((o) => o.kind === "Deployment")) checkPod(workload, objects, add);
  return problems;
}

/** The problems of the ApplicationSet (and the AppProject, when given): schemas and the environments generated. */
export function checkApplicationSet(objects) {
  const problems = [];
  const add = (rule, object, message) => problems.push({ rule, object, message });
  for (const o of objects) problems.push(...schemaProblems(o));
  const set = objects.find((o) => o.kind === "ApplicationSet");
  if (!set) {
    add("applicationset_envs", "ApplicationSet", "there is no ApplicationSet");
    return problems;
  }
  const generators = set.spec?.generators ?? [];
  const envs = generators.flatMap((g) => (g.list?.elements ?? []).map((e) => e.env));
  if (generators.length !== 1 || JSON.stringify(envs) !== JSON.stringify(ENVIRONMENTS))
    add(
      "applicationset_envs",
      label(set),
      `generates ${JSON.stringify(envs)} from ${generators.length} generator(s); it must be one list of ${JSON.stringify(ENVIRONMENTS)}`,
    );
  const tpl = set.spec?.template?.spec ?? {};
  for (const env of envs) {
    const fill = (s) => String(s ?? "").replaceAll("{{.env}}", env);
    const path = fill(tpl.source?.path);
    if (path !== `deploy/overlays/${env}` || !existsSync(join(root, path, "kustomization.yaml")))
      add("applicationset_envs", label(set), `${env}: source.path ${path} is not deploy/overlays/${env}`);
    if (fill(tpl.destination?.namespace) !== `ameide-${env}`)
      add("applicationset_envs", label(set), `${env}: destination namespace is not ameide-${env}`);
  }
  const project = objects.find((o) => o.kind === "AppProject");
  if (project) {
    if (tpl.project !== project.metadata.name)
      add("applicationset_envs", label(set), `project ${tpl.project} is not ${label(project)}`);
    for (const env of envs)
      if (!(project.spec?.destinations ?? []).some((d) => d.namespace === `ameide-${env}`))
        add("applicationset_envs", label(project), `ameide-${env} is not among its destinations`);
  }
  if (!String(set.spec?.template?.metadata?.name ?? "").includes("{{.env}}"))
    add("applicationset_envs", label(set), "the Application's name does not carry {{.env}}");
  return problems;
}

function schemaProblems(o) {
  const model = MODELS.get(`${o.apiVersion}/${o.kind}`);
  if (!model)
    return [{ rule: "schema", object: label(o), message: `no schema for ${o.apiVersion} ${o.kind}` }];
  try {
    new model(o).validate();
    return [];
  } catch (e) {
    const errors = e.errors ?? [{ instancePath: "", message: e.message }];
    return errors.map((x) => ({
      rule: "schema",
      object: label(o),
      message: `${x.instancePath} ${x.message}`,
    }));
  }
}

const IMAGE_PINNED = /^[^\s:@]+(?::(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

function checkPod(workload, objects, add) {
  const pod = workload.spec?.template?.spec ?? {};
  const who = label(workload);
  const podCtx = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const at = `${who} container ${c.name}`;
    const ctx = c.securityContext ?? {};
    const nonRoot = ctx.runAsNonRoot ?? podCtx.runAsNonRoot;
    const user = ctx.runAsUser ?? podCtx.runAsUser;
    if (nonRoot !== true || user === 0) add("run_as_non_root", at, "may run as root");
    if (ctx.readOnlyRootFilesystem !== true)
      add("read_only_root_filesystem", at, "readOnlyRootFilesystem is not true");
    if (ctx.allowPrivilegeEscalation !== false || !(ctx.capabilities?.drop ?? []).includes("ALL"))
      add("no_privilege_escalation", at, "allowPrivilegeEscalation is not false or ALL is not dropped");
    for (const kind of ["requests", "limits"])
      for (const res of ["cpu", "memory"])
        if (c.resources?.[kind]?.[res] === undefined) add("limits_set", at, `no ${kind}.${res}`);
    if (!c.livenessProbe || !c.readinessProbe) add("probes_set", at, "no liveness or no readiness probe");
    const tagged = typeof c.image === "string" && IMAGE_PINNED.test(c.image);
    const hasTag = /:[^/]+$/.test(String(c.image).split("@")[0]) || String(c.image).includes("@sha256:");
    if (!tagged || !hasTag) add("image_pinned", at, `image ${JSON.stringify(c.image)} is not pinned`);
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) checkSecretKey(objects, ref.name, ref.key, at, add);
    }
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret)
      for (const key of (v.secret.items ?? []).map((i) => i.key))
        checkSecretKey(objects, v.secret.secretName, key, `${who} volume ${v.name}`, add);
    if (v.configMap && !objects.some((o) => o.kind === "ConfigMap" && o.metadata.name === v.configMap.name))
      add("config_refs", `${who} volume ${v.name}`, `ConfigMap ${v.configMap.name} is not in the render`);
  }
}

function checkSecretKey(objects, name, key, at, add) {
  // An ExternalSecret with a template makes the template's keys; without one, its data's.
  const keys = objects
    .filter((o) => o.kind === "ExternalSecret" && (o.spec?.target?.name ?? o.metadata.name) === name)
    .flatMap((o) =>
      o.spec.target?.template?.data
        ? Object.keys(o.spec.target.template.data)
        : (o.spec.data ?? []).map((d) => d.secretKey),
    );
  if (!keys.includes(key))
    add("secret_refs", at, `secret ${name} key ${key} is made by no ExternalSecret of the render`);
}

const selects = (selector, labels) =>
  selector?.matchLabels !== undefined &&
  Object.entries(selector.matchLabels).every(([k, v]) => labels?.[k] === v);

function checkRuntime(objects, env, add) {
  const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === RUNTIME);
  if (!deployment) {
    add("runtime_probes", `Deployment/${RUNTIME}`, "the runtime's Deployment is not in the render");
    return;
  }
  const who = label(deployment);
  const podLabels = deployment.spec.template.metadata?.labels ?? {};
  const container = deployment.spec.template.spec.containers[0];
  if (container.livenessProbe?.httpGet?.path !== "/healthz")
    add("runtime_probes", who, "liveness is not GET /healthz");
  if (container.readinessProbe?.httpGet?.path !== "/readyz")
    add("runtime_probes", who, "readiness is not GET /readyz");
  if (container.startupProbe?.grpc?.port === undefined)
    add("runtime_probes", who, "startup is not the gRPC health service");

  const service = objects.find(
    (o) => o.kind === "Service" && selects(o.spec?.selector && { matchLabels: o.spec.selector }, podLabels),
  );
  if (
    !service ||
    (service.spec.type ?? "ClusterIP") !== "ClusterIP" ||
    !(service.spec.ports ?? []).every((p) => p.appProtocol === "kubernetes.io/h2c")
  )
    add("service_h2c", who, "no ClusterIP Service with appProtocol kubernetes.io/h2c selects it");

  const hpa = objects.find(
    (o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.name === RUNTIME,
  );
  if (!hpa || !(hpa.spec.metrics ?? []).some((m) => m.type === "Resource" && m.resource?.name === "cpu"))
    add("hpa_cpu", who, "no HorizontalPodAutoscaler scales it on CPU");
  if (deployment.spec.replicas !== undefined)
    add("hpa_cpu", who, `sets replicas: ${deployment.spec.replicas}; the autoscaler owns them`);

  if (!objects.some((o) => o.kind === "PodDisruptionBudget" && selects(o.spec?.selector, podLabels)))
    add("pdb_selects", who, "no PodDisruptionBudget selects its pods");

  const policies = objects.filter(
    (o) => o.kind === "NetworkPolicy" && selects(o.spec?.podSelector, podLabels),
  );
  if (policies.length === 0) add("network_policy_closed", who, "no NetworkPolicy selects its pods");
  for (const p of policies)
    for (const rule of p.spec.ingress ?? []) {
      if (!rule.from || rule.from.length === 0)
        add("network_policy_closed", label(p), "an ingress rule without `from` admits everyone");
      for (const peer of rule.from ?? [])
        if (!peer.namespaceSelector || Object.keys(peer.namespaceSelector.matchLabels ?? {}).length === 0)
          add("network_policy_closed", label(p), `peer ${JSON.stringify(peer)} does not name a namespace`);
    }

  checkSettings(objects, deployment, container, env, add);
}

function checkSettings(objects, deployment, container, env, add) {
  const volume = deployment.spec.template.spec.volumes?.find((v) => v.configMap);
  const map = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume?.configMap?.name);
  const at = map ? label(map) : `ConfigMap of ${label(deployment)}`;
  const text = map?.data?.[SETTINGS_KEY];
  if (typeof text !== "string") {
    add("settings_valid", at, `no ${SETTINGS_KEY}`);
    return;
  }
  const [doc] = parseAllDocuments(text).map((d) => d.toJS());
  // The catalog's entries come from the object the registry publishes for this env (runtime.catalog.source).
  const source = doc?.runtime?.catalog?.source;
  if (typeof source !== "string" || !new RegExp(`^s3://[a-z0-9.-]+/catalogs/${env}\\.json$`).test(source))
    add(
      "settings_valid",
      at,
      `runtime.catalog.source ${JSON.stringify(source)} is not s3://<bucket>/catalogs/${env}.json`,
    );
  if (doc?.env !== env) add("settings_valid", at, `env is ${JSON.stringify(doc?.env)}, not ${env}`);
  const plainEnv = Object.fromEntries(
    (container.env ?? []).filter((e) => typeof e.value === "string").map((e) => [e.name, e.value]),
  );
  try {
    const parsed = parseCatalog(JSON.stringify(doc ?? {}), { source: at });
    const settings = resolveRuntimeSettings(parsed.runtime, plainEnv, {});
    if (settings.port !== container.ports?.[0]?.containerPort)
      add(
        "settings_valid",
        at,
        `the runtime listens on ${settings.port}, the container port is ${container.ports?.[0]?.containerPort}`,
      );
  } catch (e) {
    add("settings_valid", at, `${e.code ?? "error"}/${e.reason ?? ""}: ${e.message}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let problems = checkApplicationSet(readApplicationSet());
  for (const env of ENVIRONMENTS) problems = problems.concat(checkEnvironment(renderOverlay(env), env));
  problems = problems.concat(checkRegistry(renderRegistry(), readArgoCd("registry-application.yaml")));
  for (const p of problems) console.log(`${p.rule}\t${p.object}\t${p.message}`);
  console.log(problems.length === 0 ? "deploy/: every check passed" : `${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
