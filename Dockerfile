# syntax=docker/dockerfile:1
# The pipeline service (`npm start` = `node app/main.ts`). Node 24 runs the TypeScript sources as
# they are (type stripping), so there is no build step: the image is the production dependencies
# plus the source folders on the start path (app → processors, schemas, topology, state-stores,
# engine-common, runtime, connectors).
#
#   docker build --platform linux/amd64 -t kafka-ecommerce-pipeline:0.1.0 .
#   docker run --rm -p 8080:8080 -e KAFKA_BOOTSTRAP=broker:9092 kafka-ecommerce-pipeline:0.1.0
ARG NODE_IMAGE=node:24-slim

# Stage 1: production dependencies only. @nxtedition/rocksdb ships a prebuilt binary for
# linux-x64 (glibc) and loads it at run time, so no compiler is needed; there is no linux-arm64
# prebuild, hence `--platform linux/amd64` on other hosts.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Stage 2: the runtime image.
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which then closes every StreamsApp cleanly: commit,
# checkpoint, leave the group) and reaps the STREAM_PROCESSES children if node dies first.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  HTTP_HOST=0.0.0.0 \
  HTTP_PORT=8080 \
  STATE_DIR=/var/lib/pipeline/state
WORKDIR /app
# Code and dependencies belong to root and are read-only for the app user; only the state dir
# (and /tmp) are written, so the container also runs with a read-only root filesystem.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY app ./app
COPY processors ./processors
COPY schemas ./schemas
COPY topology ./topology
COPY state-stores ./state-stores
COPY engine-common ./engine-common
COPY runtime ./runtime
COPY connectors ./connectors
# The official image's `node` user (uid/gid 1000), numeric so runAsNonRoot can verify it.
RUN mkdir -p /var/lib/pipeline/state && chown -R 1000:1000 /var/lib/pipeline
USER 1000:1000
VOLUME ["/var/lib/pipeline/state"]
EXPOSE 8080
# Liveness only (the app's /readyz, which waits for restoration, is for the orchestrator's
# readiness): a restore of a large store must not make the container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "app/main.ts"]
