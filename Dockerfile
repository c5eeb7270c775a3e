# Marvin: `docker build -t marvin . && docker run --env-file .env -p 3000:3000 marvin`
#
# Reproducible: the base image is pinned by digest and every Python package comes from
# requirements.lock, pinned with hashes (regenerate with .ci/lock). The base digest is
# python:3.11-slim's multi-platform index; refresh it (and then rebuild) with
#   docker buildx imagetools inspect python:3.11-slim --format '{{json .Manifest.Digest}}'
# or override it at build time: docker build --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:...
ARG PYTHON_IMAGE=python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock ./
# Hash-checked, wheels only: nothing is built from an unpinned source.
RUN python -m venv /opt/marvin \
 && /opt/marvin/bin/pip install --require-hashes --only-binary=:all: -r requirements.lock
COPY pyproject.toml README.md ./
COPY marvin ./marvin
COPY flows ./flows
# Marvin itself, built with the locked setuptools; its dependencies are all in place.
# marvin/testing (the Slack stand-in) is left out by .dockerignore.
RUN /opt/marvin/bin/pip install --no-deps --no-build-isolation . \
 && test ! -e /opt/marvin/lib/python3.11/site-packages/marvin/testing

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/marvin/bin:$PATH \
    MARVIN_HOST=0.0.0.0 \
    MARVIN_PORT=3000 \
    MARVIN_STORE=sqlite:////data/marvin.db

RUN useradd --create-home --uid 10001 marvin && mkdir /data && chown marvin /data
COPY --from=build /opt/marvin /opt/marvin
WORKDIR /home/marvin

USER marvin
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"MARVIN_PORT\", \"3000\")}/healthz', timeout=4)"
CMD ["marvin", "serve"]
