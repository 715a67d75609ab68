// Issue #14: the npm registry and caps of the compile's dependency install are the operator's to set.
import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { dependencySettings } from "../compile/install-dependencies.js";
import { checkRegistryConfig, compileDependencyOptions } from "./registry-config.js";

const auth = { tokens: [{ token: "t".repeat(16), identity: "user:ann", tenants: ["*"] }] };

describe("registry config: compile_dependencies", () => {
  it("sets the npm registry (a mirror), the install's time limit and the installed size caps", () => {
    const section = {
      npm_registry: "https://npm.mirror.example/",
      timeout_ms: 30_000,
      max_bytes: 8 * 1024 * 1024,
      max_files: 1_000,
    };
    const config = checkRegistryConfig({ auth, compile_dependencies: section }, "/etc/ameide");
    expect(dependencySettings(compileDependencyOptions(config))).toMatchObject({
      registryUrl: "https://npm.mirror.example/",
      timeoutMs: 30_000,
      maxBytes: 8 * 1024 * 1024,
      maxFiles: 1_000,
    });
    expect(dependencySettings(compileDependencyOptions(checkRegistryConfig({ auth }, "/x")))).toMatchObject({
      registryUrl: "https://registry.npmjs.org/",
      timeoutMs: 60_000,
    });
  });

  it.each([
    ["a registry that is no http(s) URL", { npm_registry: "file:///etc" }],
    ["a time limit of 0", { timeout_ms: 0 }],
    ["an unknown key", { scripts: true }],
  ])("refuses %s: invalid_argument / invalid_manifest", (_what, section) => {
    let caught: unknown;
    try {
      checkRegistryConfig({ auth, compile_dependencies: section }, "/x");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ExtensionError);
    expect(caught).toMatchObject({ code: "invalid_argument", reason: "invalid_manifest" });
  });
});
