// The registry config deploy/registry ships (the registry.yaml its ExternalSecret renders) passes the
// registry's config schema and settings checks, so a pod started from it does not refuse its own config.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createReadOnlyMethods } from "../domain/read-only-methods.js";
import { checkRegistryConfig, compileBudgetOptions, governanceOptions } from "./registry-config.js";

const SECRET_FILE = new URL("../../../../deploy/registry/registry-external-secret.yaml", import.meta.url);

/** Stand-ins for the values External Secrets fills in from the secret store. */
const STORE: Record<string, string> = {
  database_url: "postgres://registry:secret@postgres.data.svc:5432/registry",
};

/** The registry.yaml the ExternalSecret's template renders, with {@link STORE}'s values. */
function renderedConfig(): unknown {
  const secret = parseYaml(readFileSync(SECRET_FILE, "utf8")) as {
    spec: { target: { template: { data: Record<string, string> } } };
  };
  const template = secret.spec.target.template.data["registry.yaml"];
  if (template === undefined) throw new Error("the ExternalSecret renders no registry.yaml");
  const text = template.replace(/\{\{ \.(\w+) \}\}/g, (_, key: string) => {
    const value = STORE[key];
    if (value === undefined)
      throw new Error(`registry.yaml uses {{ .${key} }}, which this test does not fill`);
    return value;
  });
  return parseYaml(text);
}

describe("deploy/registry's registry config", () => {
  it("passes the registry's config schema and the checks of its settings", () => {
    const config = checkRegistryConfig(renderedConfig(), "/etc/ameide", "deploy registry.yaml");
    expect(config.database).toBe(STORE.database_url);
    expect(() => governanceOptions(config)).not.toThrow();
    expect(() => compileBudgetOptions(config)).not.toThrow();
    const readOnly = createReadOnlyMethods(config.read_only_host_methods);
    expect(readOnly.isReadOnly("ameide.crm.v1.CustomerService", "GetCustomer")).toBe(true);
  });

  it("the check this relies on refuses a broken copy (a read-only method name that is no name)", () => {
    const broken = renderedConfig() as { read_only_host_methods: Record<string, string[]> };
    broken.read_only_host_methods["ameide.crm.v1.CustomerService"] = ["Get Customer"];
    expect(() => checkRegistryConfig(broken, "/etc/ameide")).toThrow(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });
});
