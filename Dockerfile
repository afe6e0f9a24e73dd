# syntax=docker/dockerfile:1
# One image recipe for every Tracecart process, parameterised by SERVICE:
#   docker build --build-arg SERVICE=order -t tracecart-order .               (order | payment | shipping)
#   docker build --build-arg SERVICE=load --target load -t tracecart-load .   (the load generator)
#   docker build --build-arg SERVICE=console --target lab -t tracecart-lab .  (the lab console)
# docker-compose.yml passes NODE_VERSION and PNPM_VERSION from .env; the defaults below are the same values.
# scripts/deploy-artifacts builds the same /out folder locally with the same pnpm commands.

ARG NODE_VERSION=24.11.1

# ---- build: the whole workspace, installed and compiled ONCE for every image (no build argument before
# this point, so each image's build finds these layers in the cache), then every image's package cut out
# with its production dependencies into /out/<package folder name>.
FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG PNPM_VERSION=10.34.8
# pnpm from the npm registry, at the version of package.json's packageManager field.
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /repo
# The dependency download depends on the lockfile alone, so this layer survives source edits.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
# Compile every package an image runs and the workspace packages they depend on (tsc -b in each, in
# dependency order; the shop's and the console's build scripts also bundle their browser code).
RUN pnpm --filter "@tracecart/order..." --filter "@tracecart/payment..." --filter "@tracecart/shipping..." --filter "@tracecart/partners..." --filter "@tracecart/storefront..." --filter "@tracecart/load..." --filter "@tracecart/console..." run build
# --legacy: pnpm 10 deploys without it only when inject-workspace-packages=true, which would change
# how every developer's install links the workspace. The output is plain files plus node_modules:
# compiled JavaScript, never a bundle, so the --require preload below can patch modules as they load.
RUN for SERVICE in order payment shipping partners storefront load console; do \
      pnpm --filter "@tracecart/${SERVICE}" deploy --legacy --prod "/out/${SERVICE}" || exit 1; \
    done
# Nothing a running process reads: source maps, type declarations and docs, more than half of what the
# deploy copies (payment: 72 MB, 32 MB without them). Each image's own layer stays well under 80 MB.
RUN find /out -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname '*.md' \) -delete

# ---- runtime: one deployed folder on a slim Node, run as the unprivileged `node` user. SERVICE chooses
# it; everything above is shared, so a second image costs this stage's copy only.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=order|payment|shipping|partners|storefront|load|console" >&2; exit 1; }
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by `node`: the process cannot rewrite its own code.
COPY --from=build /out/${SERVICE} ./
USER node

# ---- load: the load generator (`docker compose run --rm load --rate 20 --duration 60`).
FROM runtime AS load
ENTRYPOINT ["node", "dist/load-cli.js"]

# ---- lab: the lab console (SERVICE=console): part of the lab, so not traced (no preload).
FROM runtime AS lab
ARG PORT=8084
EXPOSE ${PORT}
CMD ["node", "dist/main.js"]

# ---- service (the default target): order, payment or shipping.
FROM runtime AS service
ARG PORT=8080
EXPOSE ${PORT}
# The telemetry preload starts OpenTelemetry before express, pg and amqplib are required.
CMD ["node", "--require", "@tracecart/telemetry/register", "dist/main.js"]
