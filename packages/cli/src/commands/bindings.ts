import type { Command } from "commander";
import { listDomainBindings } from "../registry/domain-bindings.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface BindingsFlags extends RegistryFlags {
  env?: string;
  domain?: string;
  json?: boolean;
}

/** `ameide-ext bindings [--env] [--domain]`: a thin wrapper over {@link listDomainBindings}. */
export function registerBindingsCommand(program: Command, ctx: CommandContext): void {
  registryOptions(
    program
      .command("bindings")
      .summary("list the tenant's domain extension point bindings, by environment, domain and point")
      .description(
        'List the tenant\'s domain bindings (set with `ameide-ext bind`): which extension each extension point of each domain runs, per environment, one a line: environment, domain/point, extension@version ("latest" follows the version active there), who set it, when.',
      )
      .option("--env <env>", "only this environment: dev, staging or prod (default all)")
      .option("--domain <domain>", "only this domain, e.g. orders (default all)"),
  )
    .addHelpText(
      "after",
      examples(["$ npx ameide-ext bindings", "$ npx ameide-ext bindings --env prod --domain orders --json"]),
    )
    .action((flags: BindingsFlags) =>
      executeRegistryCommand(ctx, flags.json, async () => {
        const r = await listDomainBindings(flags, ctx.deps);
        const lines =
          r.bindings.length === 0
            ? [`no domain bindings for tenant ${r.tenant}${flags.env ? ` in ${flags.env}` : ""}`]
            : r.bindings.map(
                (b) =>
                  `${b.env.padEnd(8)} ${`${b.domain}/${b.point}`.padEnd(36)} ${`${b.extension}@${b.version}`.padEnd(28)} ${b.updatedBy} ${b.updatedAt}`,
              );
        return { doc: { ...r }, lines };
      }),
    );
}
