# syntax=docker/dockerfile:1
# One image per program, each a static, cgo-free binary on distroless
# (no shell, no package manager), running as the non-root user 65532:
#
#   docker build --target extractor  -t ukgpro-extractor .
#   docker build --target loader     -t ukgpro-loader .
#   docker build --target ukgpro-relay -t ukgpro-relay .
#   docker build --target ukgpro-sim -t ukgpro-sim .
#
# Multi-arch builds cross-compile in the build stage (no emulation):
#   docker buildx build --platform linux/amd64,linux/arm64 --target loader .
# The audit tools that link DuckDB need cgo and are not in these images
# (docs/deploy.md). Each image carries /usr/local/bin/probe for HEALTHCHECK
# (decision 0111).
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The build the deploy tests run (deploy/dockerfile_test.go): keep it one RUN.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/ \
    ./cmd/extractor ./cmd/loader ./cmd/ukgpro-relay ./cmd/ukgpro-sim ./cmd/probe
# An empty directory owned by the runtime user: a named volume mounted on
# it starts writable (a bind mount created by Docker would be root's).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
LABEL org.opencontainers.image.source="https://github.com/ukgpro-stream/ukgpro-stream" \
      org.opencontainers.image.url="https://github.com/ukgpro-stream/ukgpro-stream" \
      org.opencontainers.image.documentation="https://github.com/ukgpro-stream/ukgpro-stream/blob/main/docs/deploy.md" \
      org.opencontainers.image.vendor="ukgpro-stream" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot"
COPY --from=build /out/probe /usr/local/bin/probe
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data

FROM runtime AS extractor
LABEL org.opencontainers.image.title="ukgpro-extractor" \
      org.opencontainers.image.description="Pages the UKG Pro REST API and publishes every record to Kafka"
COPY --from=build /out/extractor /usr/local/bin/extractor
# The extractor's default binds loopback; a container must be reachable.
ENV OPS_ADDR=:9464
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD ["/usr/local/bin/probe", "http://127.0.0.1:9464/healthz"]
ENTRYPOINT ["/usr/local/bin/extractor"]

FROM runtime AS loader
LABEL org.opencontainers.image.title="ukgpro-loader" \
      org.opencontainers.image.description="Archives the ukgpro Kafka topics as Hive-partitioned Parquet, exactly once"
COPY --from=build /out/loader /usr/local/bin/loader
ENV OPS_ADDR=:9465
EXPOSE 9465
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["/usr/local/bin/probe", "http://127.0.0.1:9465/healthz"]
ENTRYPOINT ["/usr/local/bin/loader"]

FROM runtime AS ukgpro-relay
LABEL org.opencontainers.image.title="ukgpro-relay" \
      org.opencontainers.image.description="Delivers ukgpro lifecycle events to webhooks, in order per employee"
COPY --from=build /out/ukgpro-relay /usr/local/bin/ukgpro-relay
EXPOSE 9466
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s CMD ["/usr/local/bin/probe", "http://127.0.0.1:9466/healthz"]
ENTRYPOINT ["/usr/local/bin/ukgpro-relay"]

FROM runtime AS ukgpro-sim
LABEL org.opencontainers.image.title="ukgpro-sim" \
      org.opencontainers.image.description="A simulated UKG Pro tenant for demos and tests"
COPY --from=build /out/ukgpro-sim /usr/local/bin/ukgpro-sim
ENV SIM_ADDR=:8089
EXPOSE 8089
HEALTHCHECK --interval=10s --timeout=5s CMD ["/usr/local/bin/probe", "http://127.0.0.1:8089/_sim/clock"]
ENTRYPOINT ["/usr/local/bin/ukgpro-sim"]
