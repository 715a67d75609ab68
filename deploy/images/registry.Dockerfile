# syntax=docker/dockerfile:1
# The reference extension registry's image. It compiles hooks, so unlike the runtime's it carries the
# toolchain (the PDK: AssemblyScript, componentize-qjs, esbuild, TypeScript) as production dependencies.
# Untested here: no image can be built on the machines this repository is developed and tested on.
#
#   docker build -f deploy/images/registry.Dockerfile -t registry.ameide.io/ameide-ext/extension-registry:0.1.0 .
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 (the embedded store) builds from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && node scripts/assemble-runtime.mjs /app --package registry

FROM ${NODE_IMAGE}
# The compile worker runs this npm for hooks' dependencies: npm 11 knows --allow-git/--allow-remote/
# --allow-directory=none, which node 20's bundled npm 10 ignores (docs/registry.md, dependencies).
RUN npm install -g npm@11.19.1 --no-audit --no-fund && npm cache clean --force
ENV NODE_ENV=production \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build /app /app
USER 1000:1000
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8090/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/node_modules/@ameide-ext/registry/bin/ameide-ext-registry.js"]
CMD ["--config", "/etc/ameide/registry/registry.yaml", "--host", "0.0.0.0"]
