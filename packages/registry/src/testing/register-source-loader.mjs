// `node --import <this file>`: installs source-loader.mjs (test support, see there). The compile child
// runs from the sources with it in tests (spawn-compile-child.ts); tsx's loader breaks componentize-qjs.
import { register } from "node:module";

register("./source-loader.mjs", import.meta.url);
