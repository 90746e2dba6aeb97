# syntax=docker/dockerfile:1
# TicketPulse image: one image, every role (`docker run ticketpulse <role>`: ingest,
# processors, api, migrate, start, simulate, query …).
#
#   docker build -t ticketpulse .                  # runtime image (the default, last stage)
#   docker build --target test .                   # runs exactly what CI runs (.ci/run)
#
# The CLI runs TypeScript through tsx (bin/ticketpulse), so there is no compile step and
# tsx is a production dependency: `npm ci --omit=dev` installs everything it needs.

ARG NODE_VERSION=20

# --- deps: production dependencies only ------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The same install as CI (.ci/run: npm ci --no-audit --no-fund), without dev tools.
RUN npm ci --omit=dev --no-audit --no-fund

# --- test: CI's own entry point, on the full Debian image (gcc for the Kafka test
# broker harness; .ci/run installs librdkafka-dev). Only built with --target test.
FROM node:${NODE_VERSION}-bookworm AS test
WORKDIR /app
COPY . .
RUN bash .ci/run

# --- runtime ------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TICKETPULSE_DATA_DIR=/var/lib/ticketpulse \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY core ./core
COPY ingest ./ingest
COPY processors ./processors
COPY api ./api
COPY dashboards ./dashboards
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The embedded engine's data directory (unused with CLICKHOUSE_URL); owned by the
# unprivileged user the process runs as.
RUN mkdir -p /var/lib/ticketpulse && chown node:node /var/lib/ticketpulse
USER node
EXPOSE 8080 9464
ENTRYPOINT ["node", "/app/bin/ticketpulse"]
CMD ["start"]
