# xalantis-bot container image: a multi-stage build whose dependency layer is cached, and a slim
# runtime holding only the binary, CA certificates and a non-root user.
#
#   docker build -t xalantis-bot .
#   docker run --env-file .env -p 8080:8080 -v xalantis-data:/data xalantis-bot
#
# No Docker engine runs where this project is developed and tested: `.ci/run` lints this file
# with hadolint, but the image build itself is not exercised there.

# The toolchain the test suite runs with.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS builder
WORKDIR /src

# Dependencies first, against stub sources: this layer is rebuilt only when a manifest or the
# lock file changes. The workspace's `fakes` member (test fakes, a dev-dependency) must exist for
# the manifest to resolve, but is never compiled; benches are declared, so they need a stub too.
COPY Cargo.toml Cargo.lock ./
COPY fakes/Cargo.toml fakes/Cargo.toml
RUN mkdir -p src fakes/src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs fakes/src/lib.rs \
    && echo 'fn main() {}' > benches/detect.rs \
    && cargo build --release --locked --bin xalantis-bot \
    && rm -r src

# The bot itself. The demo embeds the documented example ticket from tests/fixtures.
COPY src src
COPY tests/fixtures tests/fixtures
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin xalantis-bot

FROM debian:bookworm-slim AS runtime

# ca-certificates: the Discord gateway's TLS uses the system roots. Debian's stable archive only
# ships security fixes for it, so the version is left to the archive rather than pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /data --create-home \
        --shell /usr/sbin/nologin xalantis

COPY --from=builder /src/target/release/xalantis-bot /usr/local/bin/xalantis-bot

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# Health and metrics on 8080 by default in the image (set HTTP_BIND empty to turn them off);
# the SQLite file lives in the /data volume.
ENV HTTP_BIND=0.0.0.0:8080 \
    DATABASE_PATH=/data/xalantis-bot.db
EXPOSE 8080

# The slim image has no curl or wget, and installing one only for this would grow the image:
# bash's /dev/tcp sends `GET /healthz` to HTTP_BIND (0.0.0.0 and [::] asked on 127.0.0.1) and the
# check passes on a 200 status line. Without HTTP_BIND there is nothing to ask: it passes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["bash", "-c", "\
    [ -z \"$HTTP_BIND\" ] && exit 0; \
    host=${HTTP_BIND%:*} port=${HTTP_BIND##*:}; \
    case $host in 0.0.0.0|'[::]') host=127.0.0.1 ;; esac; \
    exec 3<>\"/dev/tcp/${host//[][]/}/$port\" || exit 1; \
    printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3; \
    IFS= read -r -t 4 status <&3; \
    [[ $status == *' 200 '* ]]"]

ENTRYPOINT ["xalantis-bot"]
CMD ["run"]
