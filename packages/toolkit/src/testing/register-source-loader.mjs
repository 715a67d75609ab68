// `node --import <this file>`: installs source-loader.mjs (test support, see there).
import { register } from "node:module";

register("./source-loader.mjs", import.meta.url);
