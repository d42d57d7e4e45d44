# bucketlist container: nginx + spawn-fcgi + the FastCGI worker, non-root.
#
#   docker build -t bucketlist .
#   docker run --rm -p 8080:8080 -e BUCKETLIST_SECRET_ID=bucketlist/s3-credentials \
#       -e AWS_REGION=us-east-2 [credentials: a task/pod role, or -e AWS_ACCESS_KEY_ID=... etc.] bucketlist
#
# No secret is baked into the image: the worker fetches its S3 credentials
# from Secrets Manager when it starts and keeps them in memory only.
# The build stage runs the same commands as CI/`make`: scripts/install-deps.sh, make.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---- build ---------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
# Build and runtime packages only (--runtime skips the Python/test checks).
RUN scripts/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/*
COPY . .
RUN make clean && make -j"$(nproc)" \
 && make install DESTDIR=/out PREFIX=/usr/local \
 && install -m 0644 nginx/dev.conf.in /out/usr/local/share/bucketlist/nginx/dev.conf.in \
 && install -m 0755 scripts/container-entrypoint.sh /out/usr/local/bin/bucketlist-entrypoint

# ---- runtime -------------------------------------------------------------
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nginx-light spawn-fcgi curl ca-certificates \
      libfcgi0ldbl libcurl4 libjson-c5 libexpat1 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /nonexistent --shell /usr/sbin/nologin bucketlist
COPY --from=build /out/usr/local/ /usr/local/

ENV BUCKETLIST_PORT=8080 \
    BUCKETLIST_WORKERS=4 \
    BUCKETLIST_RUN_DIR=/tmp/bucketlist
USER bucketlist:bucketlist
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${BUCKETLIST_PORT}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/bucketlist-entrypoint"]
