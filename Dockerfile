# Marvin: `docker build -t marvin . && docker run --env-file .env -p 3000:3000 marvin`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MARVIN_HOST=0.0.0.0 \
    MARVIN_PORT=3000 \
    MARVIN_STORE=sqlite:////data/marvin.db

RUN useradd --create-home --uid 10001 marvin && mkdir /data && chown marvin /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY marvin ./marvin
COPY flows ./flows
RUN pip install --no-cache-dir .

USER marvin
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"MARVIN_PORT\", \"3000\")}/healthz', timeout=4)"
CMD ["marvin", "serve"]
