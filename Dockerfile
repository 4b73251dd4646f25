# proofline's server image: `proofline serve` (or `ingest`, `assemble`) as an unprivileged user, from the same
# npm tarball `npm pack` makes, so the image runs exactly what an npm user installs.
#
#   docker build -t proofline:0.1.0 .
#   docker run --rm -p 127.0.0.1:4318:4318 -v proofline-data:/var/lib/proofline proofline:0.1.0 serve --token-file …
#
# Settings come from flags, PROOFLINE_* variables or a config file (`--config`, README "Configuration");
# deploy/compose/ has a hardened compose file. Not built on the machine this was written on (no container
# engine there): the test suite lints this file and checks its properties (test/deploy/).

FROM node:20-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so a source change does not reinstall them. No install scripts run: the guard's shell
# parser is WebAssembly and DuckDB ships prebuilt bindings as packages.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp && mv /tmp/proofline-*.tgz /tmp/proofline.tgz

FROM node:20-bookworm-slim
# A fixed uid/gid, so a secret mounted from the host can be given to it (chown 10001 secrets/token).
RUN groupadd --system --gid 10001 proofline \
  && useradd --system --uid 10001 --gid proofline --home-dir /var/lib/proofline --shell /usr/sbin/nologin proofline \
  && mkdir -p /var/lib/proofline /etc/proofline \
  && chown proofline:proofline /var/lib/proofline \
  && chmod 0700 /var/lib/proofline
COPY --from=build /tmp/proofline.tgz /tmp/proofline.tgz
RUN npm install --global --omit=dev --ignore-scripts --no-audit --no-fund /tmp/proofline.tgz \
  && rm /tmp/proofline.tgz \
  && npm cache clean --force
ENV NODE_ENV=production \
  PROOFLINE_HOST=0.0.0.0 \
  PROOFLINE_DATA=/var/lib/proofline/data
USER proofline
WORKDIR /var/lib/proofline
VOLUME ["/var/lib/proofline"]
EXPOSE 4318
# Readiness, not just liveness: /readyz answers 503 while the assembler cannot write. With TLS on, point
# PROOFLINE_HEALTH_URL at https://localhost:4318/readyz and NODE_EXTRA_CA_CERTS at the CA.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.PROOFLINE_HEALTH_URL || 'http://127.0.0.1:4318/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["proofline"]
CMD ["serve"]
