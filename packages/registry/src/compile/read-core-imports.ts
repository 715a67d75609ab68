/** Reads a LEB128 u32 at `pos`; returns the value and the position after it. */
function u32(bytes: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new RangeError("truncated component");
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result >>> 0, pos];
    shift += 7;
  }
}

/**
 * The imports (`module#name`) of every core module embedded at the top level
 * of a component: what the compiled code actually asks of the host, for the
 * compile worker's static policy check.
 */
export function readCoreImports(component: Uint8Array): string[] {
  const imports: string[] = [];
  let pos = 8; // magic + version/layer
  while (pos < component.length) {
    const id = component[pos++] as number;
    let size: number;
    [size, pos] = u32(component, pos);
    if (id === 1) {
      const core = component.slice(pos, pos + size);
      for (const i of WebAssembly.Module.imports(new WebAssembly.Module(core)))
        imports.push(`${i.module}#${i.name}`);
    }
    pos += size;
  }
  return imports;
}
