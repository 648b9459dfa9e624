# One image for the API and the projector service.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md catalog.json ./
COPY domain domain
COPY projections projections
COPY api api
COPY cli cli
COPY infra infra
COPY service service
COPY migrations migrations
RUN pip install --no-cache-dir .

FROM python:3.11-slim
# A system user gets no home folder: give it the one folder it writes (.gameledger, where
# `serve` keeps the workers' shared metric files when WORKERS > 1); the rest stays read-only.
RUN useradd --system --uid 10001 --home-dir /app gameledger \
 && mkdir -p /app/.gameledger && chown gameledger:gameledger /app/.gameledger
COPY --from=build /opt/venv /opt/venv
COPY catalog.json /app/catalog.json
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    GAMELEDGER_ENV=production \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=8080 \
    CATALOG_FILE=/app/catalog.json
WORKDIR /app
USER gameledger
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health').status != 200)"
CMD ["gameledger", "serve"]
