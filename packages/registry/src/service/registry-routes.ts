import {
  ERROR_DETAILS_HEADER,
  ERROR_REASON_HEADER,
  ExtensionError,
  toConnectCode,
} from "@ameide-ext/contract";
import { Environment, ExtensionService, SourceLanguage } from "@ameide-ext/proto";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { isService, RULES, refuse } from "../domain/governance.js";
import type { Caller, Registry } from "../domain/registry.js";
import type { RevisionRecord } from "../domain/types.js";
import type { Authenticator } from "./create-authenticator.js";
import {
  domainBindingTo,
  envFrom,
  eventTo,
  extensionTo,
  kindFrom,
  languageFrom,
  revisionTo,
  tierFrom,
} from "./proto-mapping.js";
import { replayReportTo } from "./replay-report-mapping.js";

/** An ExtensionError as a ConnectError: code, reason header, details header; unauthenticated as Connect's own code. */
export function toRegistryConnectError(cause: unknown): ConnectError {
  const error = ExtensionError.from(cause);
  const metadata = new Headers();
  if (error.reason !== undefined) metadata.set(ERROR_REASON_HEADER, error.reason);
  if (error.details !== undefined) {
    const json = JSON.stringify(error.details);
    if (json.length <= 4096) metadata.set(ERROR_DETAILS_HEADER, json);
  }
  const code = error.details?.rule === "unauthenticated" ? Code.Unauthenticated : toConnectCode(error.code);
  return new ConnectError(error.message, code, metadata, undefined, error);
}

/**
 * The routes of `ameide.transformation.v1.ExtensionService`: each RPC
 * authenticates the caller, maps the request to the registry's domain and
 * the result back to the proto. Errors leave as Connect errors with the
 * reason and details (the rule) in headers.
 */
export function registryRoutes(registry: Registry, authenticate: Authenticator) {
  const guard =
    <Req, Res>(fn: (req: Req, caller: Caller) => Promise<Res>, forServices = false) =>
    async (req: Req, ctx: HandlerContext): Promise<Res> => {
      try {
        const caller = await authenticate(ctx.requestHeader.get("authorization"));
        // A service credential (a runtime's) reports SLO burns, and does nothing else.
        if (isService(caller.actor) && !forServices)
          throw refuse(
            "permission_denied",
            RULES.serviceScope,
            `${caller.actor} is a service: it may call RollbackOnSlo only`,
          );
        return await fn(req, caller);
      } catch (cause) {
        throw toRegistryConnectError(cause);
      }
    };
  return (router: ConnectRouter) => {
    router.service(ExtensionService, {
      createDraft: guard(async (req, caller) => {
        const view = await registry.createDraft(caller, {
          tenantId: req.tenantId,
          extensionId: req.extensionId,
          kind: kindFrom(req.kind),
          riskTier: tierFrom(req.riskTier),
          limits: {
            cpu_millis: req.limits?.cpuMillis || undefined,
            memory_mb: req.limits?.memoryMb || undefined,
            timeout_ms: req.limits?.timeoutMs || undefined,
            host_calls_per_invocation: req.limits?.hostCallsPerInvocation || undefined,
          },
          description: req.metadata?.description ?? "",
          tags: req.metadata?.tags ?? [],
          hostCalls: req.hostCalls.map((h) => ({ service: h.service, method: h.method })),
          inputSchemaJson: req.inputSchemaJson,
          outputSchemaJson: req.outputSchemaJson,
          baseVersion: req.baseVersion || undefined,
          requestId: req.requestId || undefined,
        });
        return { revision: revisionTo(view) };
      }),
      uploadSource: guard(async (req, caller) => {
        const language = languageFrom(req.language);
        if (language === undefined)
          throw new ExtensionError(
            "invalid_argument",
            `language is ${SourceLanguage[req.language] ?? req.language}, it must be SOURCE_LANGUAGE_ASSEMBLYSCRIPT or SOURCE_LANGUAGE_TYPESCRIPT (the pinned toolchains)`,
          );
        const view = await registry.uploadSource(caller, {
          tenantId: req.tenantId,
          extensionId: req.extensionId,
          version: req.version,
          language,
          files: req.files.map((f) => ({
            path: f.path,
            contentBase64: Buffer.from(f.content).toString("base64"),
          })),
          manifestJson: req.manifestJson,
        });
        return { revision: revisionTo(view) };
      }),
      requestCompile: guard(async (req, caller) => ({
        revision: revisionTo(await registry.requestCompile(caller, req)),
      })),
      getExtension: guard(async (req, caller) => {
        const r = await registry.get(caller, req);
        return {
          extension: extensionTo(r.extension),
          revision: revisionTo(r.revision, { sources: req.includeSources }),
        };
      }),
      listVersions: guard(async (req, caller) => {
        const r = await registry.listVersions(caller, req);
        return {
          revisions: r.revisions.map((v) => revisionTo(v, { events: false })),
          nextPageToken: r.nextPageToken,
        };
      }),
      requestPromotion: guard(async (req, caller) => ({
        revision: revisionTo(
          await registry.requestPromotion(caller, { ...req, env: envFrom(req.targetEnv, "target_env") }),
        ),
      })),
      approve: guard(async (req, caller) => ({
        revision: revisionTo(await registry.approve(caller, { ...req, env: envFrom(req.env) })),
      })),
      reject: guard(async (req, caller) => ({
        revision: revisionTo(await registry.reject(caller, { ...req, env: envFrom(req.env) })),
      })),
      rollback: guard(async (req, caller) => ({
        extension: extensionTo(await registry.rollback(caller, { ...req, env: envFrom(req.env) })),
      })),
      pin: guard(async (req, caller) => ({
        extension: extensionTo(await registry.pin(caller, { ...req, env: envFrom(req.env) })),
      })),
      setDomainBinding: guard(async (req, caller) => ({
        binding: domainBindingTo(await registry.setDomainBinding(caller, { ...req, env: envFrom(req.env) })),
      })),
      listDomainBindings: guard(async (req, caller) => {
        const env = req.env === Environment.UNSPECIFIED ? undefined : envFrom(req.env);
        const bindings = await registry.listDomainBindings(caller, { ...req, env });
        return { bindings: bindings.map(domainBindingTo) };
      }),
      clearDomainBinding: guard(async (req, caller) => ({
        binding: domainBindingTo(
          await registry.clearDomainBinding(caller, { ...req, env: envFrom(req.env) }),
        ),
      })),
      attachReplayReport: guard(async (req, caller) => ({
        report: replayReportTo(await registry.attachReplayReport(caller, { ...req, env: envFrom(req.env) })),
      })),
      disable: guard(async (req, caller) => ({
        disabledVersions: await registry.disable(caller, { ...req, env: envFrom(req.env) }),
      })),
      enable: guard(async (req, caller) => ({
        disabledVersions: await registry.enable(caller, { ...req, env: envFrom(req.env) }),
      })),
      rollbackOnSlo: guard(async (req, caller) => {
        const r = await registry.rollbackOnSlo(caller, { ...req, env: envFrom(req.env) });
        return { rolledBack: r.rolledBack, extension: extensionTo(r.extension) };
      }, true),
      listEvents: guard(async (req, caller) => {
        const r = await registry.listEvents(caller, req);
        const defs = new Map<string, RevisionRecord>();
        for (const e of r.events) {
          if ((e.type === "version_promoted" || e.type === "rolled_back") && !defs.has(e.version)) {
            const g = await registry.get(caller, {
              tenantId: req.tenantId,
              extensionId: req.extensionId,
              version: e.version,
            });
            defs.set(e.version, g.revision.revision);
          }
        }
        return {
          events: r.events.map((e) => eventTo(e, defs.get(e.version))),
          nextPageToken: r.nextPageToken,
        };
      }),
    });
  };
}
