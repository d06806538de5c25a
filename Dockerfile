# The ca container image: the static binary on distroless (no shell, no
# package manager; CA certificates, /etc/passwd and tzdata only), run as the
# image's non-root user, with the CA home as a volume. docs/ci-recipes.md
# ("A container image") says how CI systems use it.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) -t ca .
#   docker run --rm -v pki:/pki ca init --cn "Test Root" --no-passphrase

FROM golang:1.26 AS build
ARG VERSION=dev
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same flags as make dist: a static, reproducible binary that names its
# version and commit.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -buildid= -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/ca ./cmd/ca \
 && mkdir -p /out/pki /out/work

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ca /usr/local/bin/ca
# A named volume mounted at /pki starts as a copy of this directory: owned
# by the non-root user (65532), so ca can create the home there.
COPY --from=build --chown=65532:65532 /out/pki /pki
COPY --from=build --chown=65532:65532 /out/work /work
ENV CA_HOME=/pki
VOLUME ["/pki"]
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/ca"]
CMD ["--help"]
