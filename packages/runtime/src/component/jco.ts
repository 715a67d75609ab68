import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

// jco's wasm-tools runs on preview2-shim's filesystem, which starts with no preopens.
_setPreopens({ "/": "/" } as unknown as Parameters<typeof _setPreopens>[0]);

export {
  componentEmbed,
  componentNew,
  componentWit,
  parse,
  print,
  transpile as transpileComponent,
} from "@bytecodealliance/jco";
