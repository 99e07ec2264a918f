# maskgate image: compiled JavaScript on Node.js LTS, running as a non-root user, with its
# databases and key file on the /data volume.
#
#   docker build -t maskgate .
#   docker run -p 2775:2775 -v maskgate-data:/data maskgate
#
# Both stages use the same image: better-sqlite3 is a native addon, built here against
# this Node ABI and glibc, and must run on exactly the same.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Toolchain for better-sqlite3, whose install compiles from source when no prebuilt
# binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so that the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY simulators ./simulators
RUN npm run build \
 && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MASKGATE_CONFIG=/app/config/demo.yaml
WORKDIR /app
# Owned by root and so read-only to the daemon: it cannot rewrite its own code or config.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json carries "type": "module", which makes Node load dist/ as ES modules.
COPY package.json ./
COPY config ./config
# The demo configuration keeps its stores and key file in ../data, next to config/:
# pointing /app/data at the volume puts them on /data.
RUN mkdir -p /data \
 && chown node:node /data \
 && chmod 700 /data \
 && ln -s /data /app/data
USER node
VOLUME /data
# SMPP over TCP, SMPP over TLS, HTTP API
EXPOSE 2775 3550 8080
# A TCP connect to the SMPP listener, with no curl in the image. Move this to GET /healthz
# once the HTTP API exists: it reports readiness, not just an open socket.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const s = process.getBuiltinModule('node:net').connect(2775, '127.0.0.1'); s.setTimeout(4000, () => process.exit(1)); s.on('connect', () => { s.destroy(); process.exit(0); }); s.on('error', () => process.exit(1));"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["start"]
