# Production images of the platform.
#   target "app": trytond with our modules (server, worker, cron, init)
#   target "web": nginx serving the web client and proxying the API
#   target "db": PostgreSQL 15 with pgBackRest and restic (the database
#                server, which archives its WAL, and the backup service)
FROM node:20-bookworm-slim AS sao
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && ln -sfn .. node_modules/tryton-sao/node_modules
COPY web/custom.js web/custom.css node_modules/tryton-sao/

FROM python:3.11-slim-bookworm AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    YUEXING_ROOT=/app YUEXING_STATE_DIR=/var/lib/trytond \
    TRYTOND_CONFIG=/app/config/trytond.conf \
    TRYTOND_ATTACHMENT__FILESTORE=True \
    TRYTOND_DATABASE__PATH=/var/lib/trytond
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/trytond trytond \
    && mkdir -p /var/lib/trytond && chown trytond /var/lib/trytond
WORKDIR /app
COPY requirements.txt ./
COPY addons ./addons
RUN pip install --no-cache-dir -r requirements.txt ./addons/*/
COPY config ./config
COPY scripts ./scripts
COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY --from=sao /build/node_modules /app/node_modules
ENV TRYTOND_WEB__ROOT=/app/node_modules/tryton-sao
USER trytond
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["server"]

FROM nginx:1.27-alpine AS web
COPY --from=sao /build/node_modules /srv/sao/node_modules
RUN cp -r /srv/sao/node_modules/tryton-sao/. /srv/sao/ \
    && rm /srv/sao/node_modules/tryton-sao/node_modules
# The configuration is rendered from the environment at each start
# (docker/nginx/render.sh, run by the image's entrypoint before nginx).
COPY docker/nginx /etc/yuexing-nginx
RUN rm -f /etc/nginx/conf.d/default.conf \
    && ln -s /etc/yuexing-nginx/render.sh /docker-entrypoint.d/15-yuexing-render.sh

FROM postgres:15-bookworm AS db
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        pgbackrest restic cron ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY docker/backup /etc/yuexing-backup
