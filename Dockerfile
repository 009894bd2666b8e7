# The bot's image. It runs the Procfile's commands (compose.yaml says which), as a user that
# cannot change the code; the catalogs are compiled here, at build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY core ./core
COPY handlers ./handlers
COPY storage ./storage
COPY locales ./locales
RUN pip install --editable . \
    && python -m bot compile-catalogs \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin tillsammans \
    && mkdir /app/data \
    && chown tillsammans /app/data

USER tillsammans
# The health and metrics server (HEALTH_PORT) must be reachable from outside the container.
ENV HEALTH_HOST=0.0.0.0
EXPOSE 8082
CMD ["python", "-m", "bot"]
