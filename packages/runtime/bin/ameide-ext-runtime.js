#!/usr/bin/env node
// The WasmExtensionRuntime service: see docs/runtime-service.md. Runs the built code (npm run build).
import { runMain } from "../dist/service/main.js";

runMain();
