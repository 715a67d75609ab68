import { ExtensionError } from "@ameide-ext/contract";
import type { Command } from "commander";
import { type BindResult, bindDomainPoint, clearDomainPoint } from "../registry/domain-bindings.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface BindFlags extends RegistryFlags {
  env: string;
  version?: string;
  clear?: boolean;
  comment?: string;
  json?: boolean;
}

const HELP = [
  "A Domain primitive's extension point (orders/BeforeCreateOrder) runs nothing until a tenant binds it to one of its extensions, per environment: the spec's DomainExtensionConfig.",
  'The registry binds only a version promoted to that environment, or "latest" (the default), which follows the version active there (promote, rollback).',
  'The domain reads its bindings through the SDK (createRegistryConfigStore) and sees a change at its next refresh. Each change is in the extension\'s audit log (DOMAIN_BOUND, DOMAIN_UNBOUND). Agents bind in dev only. See docs/registry.md, "Domain bindings".',
].join("\n\n");

/** The line people read: what the point runs now, or what it ran until it was cleared. */
function describe(r: BindResult): string {
  const where = `${r.domain}/${r.point} (${r.tenant}, ${r.env})`;
  const what = `${r.extension}@${r.version}`;
  return r.cleared ? `${where}: cleared (was ${what})` : `${where} -> ${what}`;
}

/**
 * `ameide-ext bind <domain>/<point> <extension> --env <env> [--version v]` and
 * `ameide-ext bind --clear <domain>/<point> --env <env>`: thin wrappers over {@link bindDomainPoint}
 * and {@link clearDomainPoint}.
 */
export function registerBindCommand(program: Command, ctx: CommandContext): void {
  registryOptions(
    program
      .command("bind")
      .summary("bind a domain extension point to an extension in one environment, or clear it")
      .description(
        `Bind a domain extension point to an extension in one environment, or clear it.\n\n${HELP}`,
      )
      .argument("<domain/point>", "the domain and its extension point, e.g. orders/BeforeCreateOrder")
      .argument("[extension]", "the extension id to run there (not with --clear)")
      .requiredOption("--env <env>", "the environment: dev, staging or prod")
      .option("--version <version>", 'a version promoted to --env (default "latest": the one active there)')
      .option("--clear", "remove the point's binding: the domain then runs the command with no extension")
      .option("--comment <text>", "why, for the audit log (at most 1,000 characters)"),
  )
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext bind orders/BeforeCreateOrder order-guard --env dev",
        "$ npx ameide-ext bind orders/BeforeCreateOrder order-guard --env prod --version 3 --comment 'CHG-42'",
        "$ npx ameide-ext bind --clear orders/BeforeCreateOrder --env prod --comment 'tenant left the pilot'",
      ]),
    )
    .action((point: string, extension: string | undefined, flags: BindFlags) =>
      executeRegistryCommand(ctx, flags.json, async () => {
        let r: BindResult;
        if (flags.clear) {
          if (extension !== undefined || flags.version !== undefined)
            throw new ExtensionError(
              "invalid_argument",
              `--clear takes <domain>/<point> only: drop ${extension ?? `--version ${flags.version}`}`,
            );
          r = await clearDomainPoint({ ...flags, point }, ctx.deps);
        } else {
          if (extension === undefined)
            throw new ExtensionError(
              "invalid_argument",
              `bind ${point}: name the extension to run there (or --clear to remove the binding)`,
            );
          r = await bindDomainPoint({ ...flags, point, extension }, ctx.deps);
        }
        return { doc: { ...r }, lines: [describe(r)] };
      }),
    );
}
