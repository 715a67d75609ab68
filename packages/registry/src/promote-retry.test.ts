// `ameide-ext promote` against the registry's routes in process, over a connection that loses
// CreateDraft's first response: the retry carries the same request_id, so one version is made.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliDeps,
  createNodeDeps,
  fromRegistryError,
  promoteHook,
  type RegistryClient,
  runCli,
} from "@ameide-ext/cli";
import { ExtensionError } from "@ameide-ext/contract";
import { type CreateDraftRequest, ExtensionService } from "@ameide-ext/proto";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { createRegistry } from "./domain/create-registry.js";
import { registryRoutes } from "./service/registry-routes.js";
import { openRegistryStore } from "./store/open-registry-store.js";
import type { RegistryStore } from "./store/registry-store.js";

const quiet = { write: () => {}, isTTY: false, columns: undefined };

describe("promoteHook() over a connection that drops CreateDraft's response", () => {
  let store: RegistryStore | undefined;
  let work: string | undefined;
  afterEach(async () => {
    await store?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("retries CreateDraft with the same request_id: one version; the next promote sends a new id", async () => {
    store = await openRegistryStore(":memory:");
    const registry = createRegistry({ store });
    const transport = createRouterTransport(
      registryRoutes(registry, async () => ({ actor: "user:ann", tenants: ["*"] })),
    );
    const real = createClient(ExtensionService, transport);
    const sent: CreateDraftRequest[] = [];
    let drops = 1;
    // The registry makes the draft, then the response is lost on the way back.
    const client = new Proxy(real, {
      get(target, name, receiver) {
        const method = Reflect.get(target, name, receiver) as (req: unknown) => Promise<unknown>;
        return async (req: CreateDraftRequest) => {
          if (name === "createDraft") sent.push(req);
          const res = await method.call(target, req).catch((e: unknown) => {
            throw fromRegistryError(e);
          });
          if (name === "createDraft" && drops-- > 0)
            throw new ExtensionError("unavailable", "the registry cannot be reached: reset");
          return res;
        };
      },
    }) as RegistryClient;
    work = await mkdtemp(join(tmpdir(), "ameide-promote-retry-"));
    const deps: CliDeps = { ...createNodeDeps(), cwd: work, stdout: quiet, stderr: quiet };
    const hook = join(work, "deal-guard");
    expect(await runCli(["new", "deal-guard", "--kind", "process_hook", "--dir", hook], deps)).toBe(0);
    const options = { dir: hook, env: "dev", registry: "http://unused", token: "t", tenant: "acme", client };

    const first = await promoteHook({ ...options, compileTimeoutMs: 0 }, deps).catch((e: unknown) => e);
    // No compiler: the compile stays pending and promote gives up waiting; the draft is what matters.
    expect(first).toMatchObject({ code: "deadline_exceeded" });
    expect(sent).toHaveLength(2);
    expect(sent[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]?.requestId).toBe(sent[0]?.requestId);
    const caller = { actor: "user:ann", tenants: ["*"] };
    const listed = await registry.listVersions(caller, { tenantId: "acme", extensionId: "deal-guard" });
    expect(listed.revisions.map((r) => r.revision.version)).toEqual(["1"]);

    // A second run is a new request: a new id (the registry still serves).
    await writeFile(join(hook, "NOTES.md"), "other sources: a new version\n");
    await promoteHook({ ...options, compileTimeoutMs: 0 }, deps).catch(() => {});
    expect(sent).toHaveLength(3);
    expect(sent[2]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[2]?.requestId).not.toBe(sent[0]?.requestId);
    const after = await registry.listVersions(caller, { tenantId: "acme", extensionId: "deal-guard" });
    expect(after.revisions.map((r) => r.revision.version)).toEqual(["2", "1"]);
  });
});
