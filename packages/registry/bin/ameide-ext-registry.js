#!/usr/bin/env node
// The reference Transformation extension registry: see docs/registry.md. Runs the built code (npm run build).
import { runMain } from "../dist/service/main.js";

runMain();
