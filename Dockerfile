# Builds the extractor, loader and simulator as static binaries (no cgo: only
# the demo and the tests link DuckDB).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./cmd/extractor ./cmd/loader ./cmd/ukgpro-sim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
USER nonroot
