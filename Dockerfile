# syntax=docker/dockerfile:1
#
# edgesim: a Skype for Business Edge simulator, as a small non-root image.
#   docker build -t edgesim:local .
#   docker run --rm -p 5061:5061 -p 53:5353/udp -p 53:5353/tcp -v edgesim-lab:/var/lib/edgesim edgesim:local
# docker-compose.yml wraps exactly this; README.md, "Run it in Docker", explains the choices.

# ---- build: a static binary ------------------------------------------------------------------------
# Plain layer caching (go.mod/go.sum first), no RUN --mount caches: the classic builder used by
# Debian's docker-compose 1.29 builds this file as well as BuildKit does.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# The context keeps .git (see .dockerignore): go build stamps the commit into the binary, which
# `edgesim version` reads back with debug.ReadBuildInfo, so no -ldflags are needed.
# Building from a git worktree (its .git is a file pointing outside the context)? --build-arg BUILDVCS=false.
COPY . .
ARG BUILDVCS=auto
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=${BUILDVCS} -o /out/edgesim ./cmd/edgesim \
 && /out/edgesim version

# ---- runtime ---------------------------------------------------------------------------------------
# alpine, not distroless: trainees read the Edge log inside the container (tail -f edge.log), which
# needs a shell and coreutils; the static binary itself needs no libc (musl or glibc is irrelevant).
FROM alpine:3.22
RUN addgroup -S -g 10001 edgesim \
 && adduser -S -D -H -u 10001 -G edgesim -h /var/lib/edgesim -s /sbin/nologin edgesim \
 && install -d -o edgesim -g edgesim -m 0700 /var/lib/edgesim \
 && install -d -m 0755 /etc/edgesim
COPY --from=build /out/edgesim /usr/local/bin/edgesim

# Loopback, the default of edge.listen and dns.listen, is unreachable from outside a container:
# listen on every interface. The DNS listens unprivileged on 5353; publish it on the host's 53.
# The environment wins over edgesim.yaml for these keys.
ENV EDGESIM_LAB_DIR=/var/lib/edgesim \
    EDGESIM_EDGE_LISTEN=0.0.0.0:5061 \
    EDGESIM_DNS_LISTEN=0.0.0.0:5353
# ./edgesim.yaml, the default configuration file, is looked up here: mount it at /etc/edgesim/edgesim.yaml.
WORKDIR /etc/edgesim
# The lab: CA (ca.pem to import on the Expressway), the Edge certificate and key, edge.log.
# A new named volume takes this directory's owner and mode (edgesim, 0700).
VOLUME /var/lib/edgesim
EXPOSE 5061/tcp 5353/udp 5353/tcp
USER 10001:10001

# Healthy: the SIP listener completes (or, lacking the Edge's key, refuses) a TLS handshake with the
# Edge's certificate, and the lab DNS answers an SOA query. Exit 0 healthy, 1 unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=15s --retries=3 CMD ["edgesim", "health"]

ENTRYPOINT ["edgesim"]
CMD ["run"]
