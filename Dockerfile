# syntax=docker/dockerfile:1.7
#
# One image for the Flightdeck API (which also serves the built editor) and the Temporal workers.
# docker-compose.yml runs it twice with different commands:
#   api:    node --import tsx engine/src/server/main.ts
#   worker: node --import tsx engine/src/worker/main.ts
# The sources are TypeScript run by tsx, exactly as in development, so there is no compile step
# to drift from; only the editor is built (Vite) into editor/dist.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- dependencies (all of them: the editor build needs Vite) -----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# Manifests first, so that editing source does not invalidate the npm ci layer.
COPY package.json package-lock.json ./
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY engine/package.json engine/
COPY editor/package.json editor/
RUN --mount=type=cache,target=/root/.npm npm ci

# ---- build the editor --------------------------------------------------------------------------
FROM deps AS build
COPY . .
RUN npm run build -w @flightdeck/editor

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
WORKDIR /app
# Chromium prints the review PDF (GET /api/campaigns/:id/review.pdf); Noto CJK so its Chinese renders as text, not boxes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
ENV CHROMIUM_PATH=/usr/bin/chromium
COPY package.json package-lock.json ./
COPY workflows/package.json workflows/
COPY activities/package.json activities/
COPY engine/package.json engine/
COPY editor/package.json editor/
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
COPY . .
COPY --from=build /app/editor/dist editor/dist
# Fail the build, not the first deploy, if an entry point or a runtime import is missing.
RUN node --import tsx --input-type=module \
  -e "await import('./engine/src/server/start-server.ts'); await import('./engine/src/worker/create-worker.ts')"

# Files stay root-owned and read-only to the process.
USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "engine/src/server/main.ts"]
