# syntax=docker/dockerfile:1
# BlazeDB on the official Node 24 image: production dependencies only, run as the image's
# unprivileged `node` user, data in a volume. Node runs the TypeScript sources directly.
#   docker build -t blazedb .
#   docker run -p 4317-4319:4317-4319 -e BLAZEDB_PASSWORD=... -v blazedb-data:/var/lib/blazedb blazedb

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The example shop (docker-compose.yml runs it): its OpenTelemetry SDK packages are
# development dependencies of BlazeDB, so this image installs them all.
FROM node:24-bookworm-slim AS shop
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY --chown=node:node examples/shop ./examples/shop
USER node
ENV SHOP_HOST=0.0.0.0
ENTRYPOINT ["node", "examples/shop/service-main.ts"]

# BlazeDB itself: the last stage, what `docker build .` makes.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    BLAZEDB_DATA_DIR=/var/lib/blazedb/data \
    BLAZEDB_OTLP_GRPC_ADDR=0.0.0.0:4317 \
    BLAZEDB_OTLP_HTTP_ADDR=0.0.0.0:4318 \
    BLAZEDB_HTTP_ADDR=0.0.0.0:4319
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The sources the server runs (test/deploy.test.ts checks that these hold every file it imports).
COPY package.json ./
COPY bin ./bin
COPY cli ./cli
COPY access ./access
COPY storage ./storage
COPY ingest ./ingest
COPY query ./query
COPY dashboards ./dashboards
COPY alerts ./alerts
COPY collectors ./collectors
RUN mkdir -p /var/lib/blazedb && chown node:node /var/lib/blazedb
USER node
VOLUME ["/var/lib/blazedb"]
EXPOSE 4317 4318 4319
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4319/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/blazedb.js"]
CMD ["serve"]
