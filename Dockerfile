# Images of keyvault-operator (the default target) and of keyvault-emulator (--target emulator):
#   docker build -t keyvault-operator:0.1.0 .
#   docker build --target emulator -t keyvault-emulator:0.1.0 .
# Base images by exact version: the Swift toolchain the project is built and tested with. At a
# release, pin each by digest too (docs/operations.md, "Releasing"): this repository's build
# machines reach no image registry to read one.
ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libhiredis-dev libyaml-dev python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The Swift runtime is linked in, so the runtime image needs only the C libraries.
# Package.swift pins every package it names; check-pins holds the rest of the graph.
RUN swift build -c release --static-swift-stdlib --product keyvault-operator \
 && scripts/check-pins \
 && swift build -c release --static-swift-stdlib --product keyvault-emulator \
 && install -D -t /out "$(swift build -c release --show-bin-path)/keyvault-operator" \
      "$(swift build -c release --show-bin-path)/keyvault-emulator"

# openssl is for the chart: it turns a PEM certificate into the PFX the james-gould emulator reads.
FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libhiredis0.14 libyaml-0-2 ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532

FROM runtime AS emulator
COPY --from=build /out/keyvault-emulator /usr/local/bin/keyvault-emulator
EXPOSE 4997
ENTRYPOINT ["keyvault-emulator"]
CMD ["--host", "0.0.0.0"]

FROM runtime AS operator
COPY --from=build /out/keyvault-operator /usr/local/bin/keyvault-operator
EXPOSE 8080 8081
ENTRYPOINT ["keyvault-operator"]
CMD ["run"]
