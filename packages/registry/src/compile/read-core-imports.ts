import { readComponent } from "@ameide-ext/runtime/internal";

/**
 * The imports (`module#name`) of every core module embedded at the top level
 * of a component: what the compiled code actually asks of the host, for the
 * compile worker's static policy check. The component is split with the
 * runtime's binary reader.
 */
export function readCoreImports(component: Uint8Array): string[] {
  const imports: string[] = [];
  for (const core of readComponent(component).coreModules) {
    for (const i of WebAssembly.Module.imports(new WebAssembly.Module(core.slice())))
      imports.push(`${i.module}#${i.name}`);
  }
  return imports;
}
