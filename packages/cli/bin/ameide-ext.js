#!/usr/bin/env node
// The `ameide-ext` command: the built CLI (npm run build emits dist/).
import "../dist/main.js";
