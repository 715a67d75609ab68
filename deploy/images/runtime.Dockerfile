# syntax=docker/dockerfile:1
# The WasmExtensionRuntime image. Untested here: no image can be built on the machines this repository
# is developed and tested on. What is tested is the folder the last stage copies:
# scripts/assemble-runtime.test.ts runs the same script and starts the runtime from its output.
#
#   docker build -f deploy/images/runtime.Dockerfile -t registry.ameide.io/ameide-ext/wasm-extension-runtime:0.1.0 .
#
# Pin the base image by digest for a release (NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:…).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Build: the whole toolchain, to compile the TypeScript sources of the runtime's packages.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
# --ignore-scripts: the runtime's packages need no install script; the registry's native ones
# (better-sqlite3) are not built for this image.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && node scripts/assemble-runtime.mjs /app --package runtime

# Run: node, the packed runtime packages and their production dependencies. No compiler, no sources.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    AMEIDE_RUNTIME_HOST=0.0.0.0 \
    AMEIDE_RUNTIME_PORT=8080 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
# Owned by root and not writable by the runtime's user: the root filesystem may be mounted read-only.
COPY --from=build /app /app
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AMEIDE_RUNTIME_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/node_modules/@ameide-ext/runtime/bin/ameide-ext-runtime.js"]
CMD ["--config", "/etc/ameide/runtime/settings.yaml"]
